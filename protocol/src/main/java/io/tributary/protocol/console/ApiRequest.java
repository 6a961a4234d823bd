package io.tributary.protocol.console;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One {@code GET /api/...} request: the path below {@code /api/} as decoded segments ({@code /api/streams/a%2Fb} is
 * {@code ["streams", "a/b"]}) and the query parameters (first value of each name). Immutable.
 */
public record ApiRequest(List<String> segments, Map<String, String> query) {

    /** At most this many query parameters are read; more is a bad request (hostile or broken clients). */
    static final int MAX_PARAMETERS = 16;

    public ApiRequest {
        segments = List.copyOf(segments);
        query = Map.copyOf(query);
    }

    /**
     * Parses the raw (still percent-encoded) path below {@code /api/} and raw query.
     *
     * @throws ApiError 400 when the encoding is broken or there are too many parameters
     */
    static ApiRequest parse(String rawPathBelowApi, String rawQuery) {
        List<String> segments = new ArrayList<>();
        for (String s : rawPathBelowApi.split("/", -1)) {
            if (!s.isEmpty()) {
                segments.add(decode(s));
            }
        }
        Map<String, String> query = new LinkedHashMap<>();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            String[] pairs = rawQuery.split("&");
            if (pairs.length > MAX_PARAMETERS) {
                throw ApiError.badRequest("too many query parameters (at most " + MAX_PARAMETERS + ")");
            }
            for (String pair : pairs) {
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                query.putIfAbsent(name, eq < 0 ? "" : decode(pair.substring(eq + 1)));
            }
        }
        return new ApiRequest(segments, query);
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("malformed percent-encoding in the URL");
        }
    }

    /** Segment {@code i}, if there is one. */
    public Optional<String> segment(int i) {
        return i < segments.size() ? Optional.of(segments.get(i)) : Optional.empty();
    }

    public Optional<String> parameter(String name) {
        return Optional.ofNullable(query.get(name));
    }

    /**
     * The paging window of a list: {@code offset} (default 0) and {@code limit} (default {@code defaultLimit}, at
     * most {@link Page#MAX_LIMIT}).
     *
     * @throws ApiError 400 when either is not a number in range
     */
    public Page page(int defaultLimit) {
        int offset = intParameter("offset", 0, 0, Integer.MAX_VALUE);
        int limit = intParameter("limit", defaultLimit, 1, Page.MAX_LIMIT);
        return new Page(offset, limit);
    }

    private int intParameter(String name, int fallback, int min, int max) {
        Optional<String> v = parameter(name);
        if (v.isEmpty()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.get());
            if (n < min || n > max) {
                throw ApiError.badRequest(name + " must be between " + min + " and " + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw ApiError.badRequest(name + " must be a number");
        }
    }
}
