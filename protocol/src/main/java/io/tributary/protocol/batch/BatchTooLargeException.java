package io.tributary.protocol.batch;

/**
 * A batch payload whose declared uncompressed size is over the decoder's limit: refused before anything is inflated,
 * so it is told apart from a corrupt payload.
 */
public final class BatchTooLargeException extends BatchFormatException {
    private static final long serialVersionUID = 1L;

    public BatchTooLargeException(String message) {
        super(message);
    }
}
