package io.tributary.edge.bridge;

import io.tributary.protocol.fs.DurableDirs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;
import org.eclipse.paho.client.mqttv3.MqttClientPersistence;
import org.eclipse.paho.client.mqttv3.MqttPersistable;
import org.eclipse.paho.client.mqttv3.MqttPersistenceException;
import org.eclipse.paho.client.mqttv3.internal.MqttPersistentData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's MQTT client state (Paho's {@link MqttClientPersistence}), fsync'd, with an <i>incarnation</i> per entry:
 * a random 46-bit number given when the client stores a message it received at QoS 2 (before it answers PUBREC).
 *
 * <p>Why: Paho answers a QoS 2 PUBLISH with PUBREC at once and hands the message over only at PUBREL; after a crash
 * the broker repeats just PUBREL, so the message must come back from here, or it is lost. And the incarnation tells
 * a message restored from here (the one the bridge may have stored before the crash) from a new message under a
 * reused packet id, whatever its content: {@link RedeliveryMarks} keep it instead of a content hash for QoS 2, so a
 * QoS 2 message is stored exactly once. Two incarnations of one packet id collide with probability 2^-46.
 *
 * <p><b>On disk</b>: one file per key in {@code dir}, {@code <key>.msg}: {@code [magic "TBI1"][incarnation: int64]
 * [header length: int32][header][payload][CRC32C of what precedes: int32]}, written to a temporary file, fsync'd and
 * renamed (then the directory fsync'd). A file that does not check out is a put that never finished — Paho had not
 * answered PUBREC, so the broker sends the message again — and is deleted with a WARN.
 *
 * <p>Threads: Paho calls it from its own threads; every method is thread-safe.
 */
final class BridgeInbox implements MqttClientPersistence {
    private static final Logger log = LoggerFactory.getLogger(BridgeInbox.class);
    private static final int MAGIC = 0x54424931; // "TBI1"
    private static final String SUFFIX = ".msg";
    private static final long INCARNATION_MASK = (1L << 46) - 1;

    private final Path dir;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    private record Entry(long incarnation, byte[] header, byte[] payload) {}

    BridgeInbox(Path dir) {
        this.dir = dir;
    }

    /** The incarnation of the QoS 2 message with this packet id held here, or -1 when none is. */
    long incarnation(int packetId) {
        Entry e = entries.get("r-" + packetId);
        return e == null ? -1 : e.incarnation;
    }

    @Override
    public void open(String clientId, String serverUri) throws MqttPersistenceException {
        try {
            DurableDirs.create(dir);
            entries.clear();
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
                for (Path f : files) {
                    String key = f.getFileName().toString();
                    key = key.substring(0, key.length() - SUFFIX.length());
                    Entry e = read(f);
                    if (e == null) {
                        log.warn("Bridge state {} is incomplete (a write cut short); deleting it", f);
                        Files.deleteIfExists(f);
                    } else {
                        entries.put(key, e);
                    }
                }
            }
        } catch (IOException e) {
            throw new MqttPersistenceException(e);
        }
    }

    private static Entry read(Path f) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f));
        if (b.remaining() < 20 || b.getInt(0) != MAGIC) {
            return null;
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.limit() - 4);
        if ((int) crc.getValue() != b.getInt(b.limit() - 4)) {
            return null;
        }
        b.position(4);
        long incarnation = b.getLong();
        int headerLength = b.getInt();
        if (headerLength < 0 || headerLength > b.remaining() - 4) {
            return null;
        }
        byte[] header = new byte[headerLength];
        b.get(header);
        byte[] payload = new byte[b.remaining() - 4];
        b.get(payload);
        return new Entry(incarnation, header, payload);
    }

    @Override
    public void put(String key, MqttPersistable p) throws MqttPersistenceException {
        byte[] header = slice(p.getHeaderBytes(), p.getHeaderOffset(), p.getHeaderLength());
        byte[] payload = slice(p.getPayloadBytes(), p.getPayloadOffset(), p.getPayloadLength());
        Entry e = new Entry(random.nextLong() & INCARNATION_MASK, header, payload);
        ByteBuffer b = ByteBuffer.allocate(20 + header.length + payload.length);
        b.putInt(MAGIC).putLong(e.incarnation).putInt(header.length).put(header).put(payload);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue()).flip();
        Path file = dir.resolve(key + SUFFIX);
        Path tmp = dir.resolve(key + SUFFIX + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(
                    tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(false);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            DurableDirs.sync(dir);
        } catch (IOException ex) {
            throw new MqttPersistenceException(ex);
        }
        entries.put(key, e);
    }

    private static byte[] slice(byte[] bytes, int offset, int length) {
        if (bytes == null || length == 0) {
            return new byte[0];
        }
        byte[] out = new byte[length];
        System.arraycopy(bytes, offset, out, 0, length);
        return out;
    }

    @Override
    public MqttPersistable get(String key) {
        Entry e = entries.get(key);
        return e == null
                ? null
                : new MqttPersistentData(key, e.header, 0, e.header.length, e.payload, 0, e.payload.length);
    }

    /**
     * Forgets an entry; the file's delete needs no fsync: a delete lost to a power cut brings back a message whose
     * redelivery its mark then recognises.
     */
    @Override
    public void remove(String key) throws MqttPersistenceException {
        entries.remove(key);
        try {
            Files.deleteIfExists(dir.resolve(key + SUFFIX));
        } catch (IOException e) {
            throw new MqttPersistenceException(e);
        }
    }

    @Override
    public Enumeration<String> keys() {
        return Collections.enumeration(entries.keySet());
    }

    @Override
    public void clear() throws MqttPersistenceException {
        for (String key : entries.keySet()) {
            remove(key);
        }
    }

    @Override
    public boolean containsKey(String key) {
        return entries.containsKey(key);
    }

    @Override
    public void close() {
        // every put is durable when it returns: nothing to flush
    }
}
