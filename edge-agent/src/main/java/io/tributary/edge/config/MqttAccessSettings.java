package io.tributary.edge.config;

import io.tributary.edge.mqtt.auth.CertificateIdentity;
import io.tributary.edge.mqtt.auth.Limits;
import io.tributary.protocol.config.ConfigKey;
import io.tributary.protocol.config.ConfigValues;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The edge's settings of MQTT access control beyond the password file: the ACL file, which name of a TLS client
 * certificate is the identity, and the limits ({@code mqtt.acl-file}, {@code mqtt.tls.identity}, {@code
 * mqtt.limits.*}; {@code mqtt.tls.client-ca} turns client certificates on, read with the TLS settings). Immutable.
 *
 * @param aclFile YAML topic ACLs; empty: no ACL, every client may publish and subscribe to every topic
 * @param certificateIdentity which name of a client certificate is the identity
 * @param limits connection, rate and subscription limits
 */
public record MqttAccessSettings(Optional<Path> aclFile, CertificateIdentity certificateIdentity, Limits limits) {

    /** The keys, in the order of {@code docs/configuration.md} (after the other {@code mqtt.*} keys). */
    static final List<ConfigKey> KEYS = List.of(
            new ConfigKey(
                    "mqtt.acl-file",
                    "path",
                    "",
                    "YAML topic ACLs per identity and group, for publish and subscribe (format: README, 'The edge as"
                            + " a local broker'). Set: whatever no rule allows is refused. Unset: every client may"
                            + " publish and subscribe to every topic."),
            new ConfigKey(
                    "mqtt.tls.client-ca",
                    "path",
                    "",
                    "PEM CA certificates. Set: clients of the TLS port must present a certificate signed by one, and"
                            + " its name (mqtt.tls.identity) is their identity; a user name must match it."),
            new ConfigKey(
                    "mqtt.tls.identity",
                    "cn|san-dns|san-email|san-uri",
                    "cn",
                    "Which name of a client certificate is the identity: the subject's CN or the first subject"
                            + " alternative name of a type."),
            new ConfigKey(
                    "mqtt.limits.connections",
                    "int",
                    Integer.toString(Limits.DEFAULTS.connections()),
                    "MQTT connections at most, all clients together; more are refused (CONNACK 0x97, 3.1.1 0x03)."),
            new ConfigKey(
                    "mqtt.limits.connections-per-identity",
                    "int",
                    Integer.toString(Limits.DEFAULTS.connectionsPerIdentity()),
                    "Connections of one identity (distinct client ids) at most; 0 is unlimited, 1 suits one"
                            + " credential per device. Anonymous clients count only in mqtt.limits.connections."),
            new ConfigKey(
                    "mqtt.limits.publish-rate",
                    "int",
                    "0",
                    "PUBLISH packets per second one connection may send on average; above, its reads pause"
                            + " (nothing is refused). 0 is unlimited."),
            new ConfigKey(
                    "mqtt.limits.publish-burst",
                    "int",
                    Integer.toString(Limits.DEFAULTS.publishBurst()),
                    "PUBLISH packets one connection may send at once before mqtt.limits.publish-rate applies."),
            new ConfigKey(
                    "mqtt.limits.subscriptions",
                    "int",
                    Integer.toString(Limits.DEFAULTS.subscriptionsPerClient()),
                    "Subscriptions one session may hold; more are refused (SUBACK 0x97, 3.1.1 0x80)."));

    static MqttAccessSettings load(ConfigValues v) {
        CertificateIdentity identity = CertificateIdentity.CN;
        try {
            identity = CertificateIdentity.parse(v.string("mqtt.tls.identity", "cn"));
        } catch (IllegalArgumentException e) {
            v.problem("mqtt.tls.identity", e.getMessage());
        }
        Limits limits = Limits.DEFAULTS;
        try {
            limits = new Limits(
                    v.integer("mqtt.limits.connections"),
                    v.integer("mqtt.limits.connections-per-identity"),
                    v.integer("mqtt.limits.publish-rate"),
                    v.integer("mqtt.limits.publish-burst"),
                    v.integer("mqtt.limits.subscriptions"));
        } catch (IllegalArgumentException e) {
            v.problem("mqtt.limits", e.getMessage());
        }
        return new MqttAccessSettings(v.existingFile("mqtt.acl-file"), identity, limits);
    }
}
