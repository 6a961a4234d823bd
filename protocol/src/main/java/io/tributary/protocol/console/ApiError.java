package io.tributary.protocol.console;

/**
 * A console API request that cannot be answered: the HTTP status and a one-line message for the JSON error body
 * ({@code {"error": "..."}}). Thrown by {@link ConsoleApi} implementations; anything else they throw is a 500.
 */
public final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    public ApiError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public static ApiError notFound(String message) {
        return new ApiError(404, message);
    }

    public static ApiError badRequest(String message) {
        return new ApiError(400, message);
    }

    public int status() {
        return status;
    }
}
