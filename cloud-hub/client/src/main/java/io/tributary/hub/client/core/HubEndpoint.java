package io.tributary.hub.client.core;

import java.util.ArrayList;
import java.util.List;

/** A hub address, {@code host:port}. */
public record HubEndpoint(String host, int port) {
    public HubEndpoint {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("hub host is empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("hub port must be 1..65535, got " + port);
        }
    }

    /** Parses {@code host:port}; {@code [v6addr]:port} is accepted too. */
    public static HubEndpoint parse(String text) {
        String s = text.trim();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("hub address must be HOST:PORT, got '" + text + "'");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new HubEndpoint(host, Integer.parseInt(s.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("hub port is not a number in '" + text + "'", e);
        }
    }

    /** Parses a comma-separated list, in order of preference. */
    public static List<HubEndpoint> parseList(String text) {
        List<HubEndpoint> out = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                out.add(parse(part));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no hub address given");
        }
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
