package io.tributary.hub.client.spi;

import io.tributary.hub.client.core.HubEndpoint;
import java.util.List;

/**
 * Which hub a {@link HubSession} tries next: the configured endpoints in order of preference. A failed attempt moves to
 * the next one (wrapping around); a lost connection restarts at the preferred one; a redirect makes its target the
 * preferred one.
 *
 * <p>Thread rules: not thread-safe; used on the session thread only.
 */
final class EndpointRotation {
    private final List<HubEndpoint> endpoints;
    private int current;
    /** Where a lost connection restarts: the first endpoint, or the one the last redirect moved to. */
    private int preferred;

    EndpointRotation(List<HubEndpoint> endpoints) {
        this.endpoints = List.copyOf(endpoints);
    }

    HubEndpoint current() {
        return endpoints.get(currentIndex());
    }

    /** The attempt at the current endpoint failed: the next one is tried. */
    void attemptFailed() {
        current++;
    }

    /** A connection was lost: start again at the preferred endpoint. */
    void lost() {
        current = preferred;
    }

    /**
     * A hub named {@code homeEndpoint} (HOST:PORT) as the home: moves to that endpoint when it is configured, else to
     * the next one, and makes it the preferred one. Returns whether the named endpoint was found.
     */
    boolean redirect(String homeEndpoint) {
        int home = indexOf(homeEndpoint);
        int to = home >= 0 ? home : (currentIndex() + 1) % endpoints.size();
        current = to;
        preferred = to;
        return home >= 0;
    }

    private int currentIndex() {
        return Math.floorMod(current, endpoints.size());
    }

    /** The index of the endpoint {@code text} (HOST:PORT) names, or -1 when it is none of them or no address. */
    private int indexOf(String text) {
        HubEndpoint named;
        try {
            named = HubEndpoint.parse(text);
        } catch (IllegalArgumentException e) {
            return -1;
        }
        for (int i = 0; i < endpoints.size(); i++) {
            HubEndpoint e = endpoints.get(i);
            if (e.port() == named.port() && e.host().equalsIgnoreCase(named.host())) {
                return i; // host names are case-insensitive
            }
        }
        return -1;
    }
}
