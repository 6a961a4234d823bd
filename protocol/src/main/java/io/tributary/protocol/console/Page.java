package io.tributary.protocol.console;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.List;

/**
 * A window on a list the console API returns: {@code limit} items from {@code offset}. A paged answer is the object
 * <pre>{"total": N, "offset": O, "limit": L, "items": [...]}</pre>
 * where {@code total} counts every item and {@code items} holds at most {@code limit} from {@code offset} on; the
 * next page starts at {@code offset + items.length} while that is below {@code total}.
 */
public record Page(int offset, int limit) {
    /** The largest page a client can ask for. */
    public static final int MAX_LIMIT = 500;

    /** Writes one item. */
    @FunctionalInterface
    public interface ItemWriter<T> {
        void write(JsonGenerator g, T item) throws IOException;
    }

    /** The items of this window. */
    public <T> List<T> of(List<T> all) {
        int from = (int) Math.min(all.size(), (long) offset);
        int to = (int) Math.min(all.size(), (long) from + limit);
        return all.subList(from, to);
    }

    /** Writes the fields {@code total}, {@code offset}, {@code limit} and {@code items} into the open object. */
    public <T> void write(JsonGenerator g, List<T> all, ItemWriter<T> item) throws IOException {
        g.writeNumberField("total", all.size());
        g.writeNumberField("offset", offset);
        g.writeNumberField("limit", limit);
        g.writeArrayFieldStart("items");
        for (T t : of(all)) {
            item.write(g, t);
        }
        g.writeEndArray();
    }
}
