package io.tributary.protocol.batch;

/** A batch payload that cannot be decoded: corrupt, an unknown codec, or larger than allowed. */
public class BatchFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    public BatchFormatException(String message) {
        super(message);
    }

    public BatchFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
