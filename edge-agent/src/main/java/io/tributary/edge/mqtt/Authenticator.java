package io.tributary.edge.mqtt;

/**
 * Checks the user name and password of an MQTT CONNECT. Whether a CONNECT without a user name is allowed is decided
 * by {@link MqttServerConfig#allowAnonymous()}, before an authenticator is asked.
 *
 * <p>Threads: called on the server's password thread, one check at a time, never on an event loop; must be
 * thread-safe. It may be slow (a password hash), but every CONNECT with a user name waits for it.
 */
@FunctionalInterface
public interface Authenticator {

    /**
     * @param username the user name from CONNECT, never null
     * @param password the password bytes from CONNECT, empty when the client sent none; not retained
     * @return true when the credentials are valid
     */
    boolean authenticate(String username, byte[] password);
}
