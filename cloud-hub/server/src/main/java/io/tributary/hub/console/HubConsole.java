package io.tributary.hub.console;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.hub.server.HubAuthenticator;
import io.tributary.protocol.console.Console;
import io.tributary.protocol.console.ConsoleApi;
import io.tributary.protocol.console.ConsoleMetrics;
import io.tributary.protocol.console.HttpCredentials;
import io.tributary.protocol.v1.Hello;
import io.tributary.protocol.v1.UserPassword;
import java.util.Optional;

/**
 * The hub's web console: its page ({@code io/tributary/hub/console/} resources) over {@link HubConsoleApi}, behind
 * the hub's own credentials. With a tokens file or credentials file configured, a request needs {@code
 * Authorization: Bearer <token>} (a token of the tokens file) or Basic with a user and password of the credentials
 * file — or any user name and a token as the password, so that a browser's login prompt works with tokens alone.
 */
public final class HubConsole {
    private HubConsole() {}

    /** The console; counts requests in {@code tributary_console_requests_total{kind, status}}. */
    public static Console create(ConsoleApi api, HubAuthenticator auth, MeterRegistry registry) {
        return Console.create("io/tributary/hub/console/", api, authorizer(auth), new ConsoleMetrics(registry));
    }

    static Console.Authorizer authorizer(HubAuthenticator auth) {
        return new Console.Authorizer() {
            @Override
            public boolean enabled() {
                return auth.enabled();
            }

            @Override
            public boolean allows(Optional<HttpCredentials> credentials) {
                if (credentials.isEmpty()) {
                    return false;
                }
                HttpCredentials c = credentials.get();
                if (c.token().isPresent()) {
                    return accepted(Hello.newBuilder().setToken(c.token().get()));
                }
                String user = c.user().orElse("");
                String password = c.password().orElse("");
                return accepted(Hello.newBuilder()
                                .setUserPassword(UserPassword.newBuilder()
                                        .setUsername(user)
                                        .setPassword(password)))
                        || (!password.isEmpty() && accepted(Hello.newBuilder().setToken(password)));
            }

            private boolean accepted(Hello.Builder hello) {
                return auth.check(hello.build()).isEmpty();
            }
        };
    }
}
