/** {@code tributary edge-admin}: a read-only CLI over a running edge agent's console API (its metrics port). */
package io.tributary.edge.admin;
