package io.tributary.edge.state;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * One writer thread that hands every change queued meanwhile to {@code commit} as one batch (one fsync for all of
 * them): the group commit of the state journals. {@link #stop} lets the queued changes through first.
 *
 * <p>Threads: {@link #submit} from any thread; {@code commit} runs on the writer thread only.
 */
public final class GroupCommitter<C> {

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Object stop = new Object();
    private final Consumer<List<C>> commit;
    private final Thread thread;

    public GroupCommitter(String threadName, Consumer<List<C>> commit) {
        this.commit = commit;
        this.thread = new Thread(this::loop, threadName);
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    public void submit(C change) {
        queue.offer(change);
    }

    /** Commits what was submitted before, ends the thread and returns what was submitted after (never committed). */
    @SuppressWarnings("unchecked")
    public List<C> stop() throws InterruptedException {
        queue.offer(stop);
        thread.join();
        List<C> left = new ArrayList<>();
        for (Object o; (o = queue.poll()) != null; ) {
            if (o != stop) {
                left.add((C) o);
            }
        }
        return left;
    }

    @SuppressWarnings("unchecked")
    private void loop() {
        List<Object> taken = new ArrayList<>();
        List<C> batch = new ArrayList<>();
        while (true) {
            try {
                taken.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(taken);
            boolean stopping = false;
            for (Object o : taken) {
                if (o == stop) {
                    stopping = true;
                    break; // later ones arrived after stop(): left for its caller
                }
                batch.add((C) o);
            }
            if (!batch.isEmpty()) {
                commit.accept(batch);
            }
            if (stopping) {
                // what followed the stop marker goes back for stop() to return
                for (int i = taken.indexOf(stop) + 1; i < taken.size(); i++) {
                    queue.offer(taken.get(i));
                }
                return;
            }
            taken.clear();
            batch.clear();
        }
    }
}
