package io.tributary.hub.client.spi;

import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A {@link HubSession}'s <em>session thread</em> ({@link HubSessionBuilder#executor}: a Netty event loop, or e.g. an
 * agent's single-threaded scheduler): runs a task on it at once when called on it and it is an event loop, else
 * queues it; a task the owner's shut-down executor refuses is dropped.
 *
 * <p>Thread rules: {@link #run} may be called from any thread. When the executor is a Netty event loop the
 * connections live on that same loop and callbacks run without a hand-off; otherwise Netty's callbacks hop onto the
 * executor in the order they happened.
 */
final class SessionThread {
    private final ScheduledExecutorService executor;
    private final EventExecutor inline;

    SessionThread(ScheduledExecutorService executor) {
        this.executor = executor;
        this.inline = executor instanceof EventExecutor e ? e : null;
    }

    /** Runs {@code task} on the session thread: now when already on it and it is an event loop, else queued. */
    void run(Runnable task) {
        if (inline != null && inline.inEventLoop()) {
            task.run();
            return;
        }
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            // the owner shut its executor down: the session is over with it
        }
    }
}
