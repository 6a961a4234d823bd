package io.tributary.edge.registry;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;

/**
 * What the edge knows of one device (the {@code {device}} of a forwarded topic).
 *
 * @param device the device id
 * @param group its group, from its latest publish
 * @param clientId the MQTT client that published for it last
 * @param firstSeenMs agent time of its first publish, epoch milliseconds
 * @param lastSeenMs agent time of its latest publish
 * @param publishes publishes received for it since the registry was created
 * @param lastValues the latest payload per metric
 */
public record DeviceInfo(
        String device,
        String group,
        String clientId,
        long firstSeenMs,
        long lastSeenMs,
        long publishes,
        Map<String, LastValue> lastValues) {

    public DeviceInfo {
        lastValues = Map.copyOf(lastValues);
    }

    /**
     * The latest payload of one metric: its first {@link DeviceRegistry#MAX_VALUE_BYTES} bytes.
     *
     * @param bytes the payload, or its first bytes when {@code truncated}
     * @param truncated the payload was longer
     * @param timeMs agent time it was received
     */
    public record LastValue(byte[] bytes, boolean truncated, long timeMs) {

        /** The value as text: UTF-8 when it is valid UTF-8 (then "…" when truncated), else {@code 0x} and hex. */
        public String text() {
            try {
                String s = StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes))
                        .toString();
                return truncated ? s + "…" : s;
            } catch (CharacterCodingException e) {
                // a cut may split a multi-byte character; binary payloads land here too
                return "0x" + HexFormat.of().formatHex(bytes) + (truncated ? "…" : "");
            }
        }
    }
}
