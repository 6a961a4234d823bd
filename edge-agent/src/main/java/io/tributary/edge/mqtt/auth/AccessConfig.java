package io.tributary.edge.mqtt.auth;

import java.util.Objects;
import java.util.Optional;

/**
 * Who may connect to the MQTT listener and what they may do: how passwords are checked, the topic ACL, whether a TLS
 * client certificate names the device, and the limits. Immutable.
 *
 * @param passwords checks a user name and password; called off the event loops (it may be slow: PBKDF2)
 * @param acl topic ACLs; empty: every client may publish and subscribe to every topic (as before ACLs existed)
 * @param certificateIdentity with client certificates (TLS listener with {@code mqtt.tls.client-ca}), which name in
 *     the certificate is the identity; the user name cannot override it
 * @param limits connection, rate and subscription limits
 */
public record AccessConfig(
        PasswordCheck passwords, Optional<Acl> acl, CertificateIdentity certificateIdentity, Limits limits) {

    /** Checks a user name and password; thread-safe, may block or burn CPU (never called on an event loop). */
    @FunctionalInterface
    public interface PasswordCheck {
        boolean verify(String user, byte[] password);
    }

    public AccessConfig {
        Objects.requireNonNull(passwords, "passwords");
        Objects.requireNonNull(acl, "acl");
        Objects.requireNonNull(certificateIdentity, "certificateIdentity");
        Objects.requireNonNull(limits, "limits");
    }

    /** Passwords only: no ACL, the certificate's CN, default limits. */
    public static AccessConfig passwordsOnly(PasswordCheck passwords) {
        return new AccessConfig(passwords, Optional.empty(), CertificateIdentity.CN, Limits.DEFAULTS);
    }

    public AccessConfig withAcl(Acl acl) {
        return new AccessConfig(passwords, Optional.of(acl), certificateIdentity, limits);
    }

    public AccessConfig withLimits(Limits limits) {
        return new AccessConfig(passwords, acl, certificateIdentity, limits);
    }

    public AccessConfig withCertificateIdentity(CertificateIdentity certificateIdentity) {
        return new AccessConfig(passwords, acl, certificateIdentity, limits);
    }

    /** The permissions of a connection: everything without an ACL. */
    public Permissions permissions(Identity identity, String clientId) {
        return acl.map(a -> a.permissions(identity, clientId)).orElse(Permissions.ALL);
    }
}
