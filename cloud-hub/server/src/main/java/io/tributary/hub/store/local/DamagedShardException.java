package io.tributary.hub.store.local;

import java.io.IOException;

/**
 * Recovery found the shard's files damaged (a segment missing, a corrupt batch with data after it) and refuses to
 * open it rather than drop acknowledged data. Not a fault that goes away on its own: {@link ShardHealer} leaves such
 * a shard to an operator.
 */
final class DamagedShardException extends IOException {
    DamagedShardException(String message) {
        super(message);
    }
}
