package dev.cairn.log.auth;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where the JWKS comes from and how its last fetches went: for operators (the server's log and
 * {@code GET /admin/health}), never for unauthenticated clients.
 *
 * @param location the JWKS URL or file
 * @param fetchedAt when the keys in use were fetched, if ever
 * @param keyIds the IDs of the keys in use
 * @param lastError why the latest fetch failed, empty if it did not
 */
public record JwksStatus(String location, Optional<Instant> fetchedAt, List<String> keyIds,
    String lastError) {}
