/**
 * Access control of the edge's MQTT listener, free of Netty: who a connection is ({@link
 * io.tributary.edge.mqtt.auth.Identity}: a password-file user, {@link io.tributary.edge.mqtt.auth.PasswordFile} with
 * {@link io.tributary.edge.mqtt.auth.PasswordHash} PBKDF2 entries, or a TLS client certificate's name, {@link
 * io.tributary.edge.mqtt.auth.CertificateIdentity}), what it may publish and subscribe to ({@link
 * io.tributary.edge.mqtt.auth.Acl} from {@link io.tributary.edge.mqtt.auth.AclFile}, turned into per-connection
 * {@link io.tributary.edge.mqtt.auth.Permissions}), and its limits ({@link io.tributary.edge.mqtt.auth.Limits},
 * {@link io.tributary.edge.mqtt.auth.ConnectionLimits}, {@link io.tributary.edge.mqtt.auth.TokenBucket}); {@code
 * ./tributary passwd} ({@link io.tributary.edge.mqtt.auth.PasswdMain}). The Netty side (admitting a CONNECT off the
 * event loop, refusals and their reason codes) is {@code io.tributary.edge.mqtt.ConnectGate}; this package depends on
 * nothing of the MQTT package but its topic-filter rules ({@code mqtt.pubsub}).
 */
package io.tributary.edge.mqtt.auth;
