package io.tributary.edge.mqtt.auth;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Which part of a TLS client certificate names the device ({@code mqtt.tls.identity}): the subject's common name,
 * or the first subject alternative name of one type. Stateless.
 */
public enum CertificateIdentity {
    /** The subject's CN (the last one when there are several, the most specific). */
    CN,
    /** The first DNS name among the subject alternative names. */
    SAN_DNS,
    /** The first e-mail address (rfc822Name) among the subject alternative names. */
    SAN_EMAIL,
    /** The first URI among the subject alternative names (e.g. a SPIFFE id). */
    SAN_URI;

    /** Parses a config value: {@code cn}, {@code san-dns}, {@code san-email} or {@code san-uri}. */
    public static CertificateIdentity parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("must be one of cn|san-dns|san-email|san-uri: '" + value + "'");
        }
    }

    /** The identity in {@code certificate}, empty when it has no such name. */
    public Optional<String> of(X509Certificate certificate) {
        if (this == CN) {
            return commonName(certificate);
        }
        int type =
                switch (this) {
                    case SAN_EMAIL -> 1;
                    case SAN_DNS -> 2;
                    default -> 6;
                };
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names == null) {
                return Optional.empty();
            }
            for (List<?> name : names) {
                if (name.size() >= 2
                        && name.get(0) instanceof Integer t
                        && t == type
                        && name.get(1) instanceof String s) {
                    return Optional.of(s);
                }
            }
            return Optional.empty();
        } catch (CertificateParsingException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> commonName(X509Certificate certificate) {
        try {
            LdapName dn = new LdapName(certificate.getSubjectX500Principal().getName());
            String cn = null;
            for (Rdn rdn : dn.getRdns()) { // from the least specific (last in the string) to the most specific
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    cn = String.valueOf(rdn.getValue());
                }
            }
            return Optional.ofNullable(cn).filter(s -> !s.isEmpty());
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
