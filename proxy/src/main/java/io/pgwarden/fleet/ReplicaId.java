package io.pgwarden.fleet;

import io.pgwarden.config.FleetConfig;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * This replica's id: {@code fleet.replica_id} when it is a number, else derived from a pod name
 * ({@code replica_id} given as a name, e.g. {@code ${POD_NAME}}, else the {@code HOSTNAME} environment variable): a StatefulSet pod's trailing ordinal ({@code pgwarden-2} → 2),
 * or for any other name (a Deployment's {@code pgwarden-7d9f8b6c5-x2k4p}) CRC-32 of the whole name
 * modulo 1024, which two pods may share: then set the id, or use a StatefulSet.
 *
 * @param how what the id was taken from, for the log
 */
public record ReplicaId(int id, String how, boolean hashed) {

    private static final Pattern ORDINAL = Pattern.compile(".*-(\\d{1,4})$");

    public static ReplicaId of(FleetConfig fleet, String hostname) {
        if (fleet.replicaId().isPresent()) {
            return new ReplicaId(fleet.replicaId().getAsInt(), "fleet.replica_id", false);
        }
        String source = fleet.replicaName().isPresent() ? "fleet.replica_id" : "HOSTNAME";
        String name = fleet.replicaName().orElse(hostname);
        if (name == null || name.isBlank()) {
            return new ReplicaId(0, "no fleet.replica_id and no HOSTNAME", false);
        }
        Matcher ordinal = ORDINAL.matcher(name);
        if (ordinal.matches() && Integer.parseInt(ordinal.group(1)) <= FleetConfig.MAX_REPLICA_ID) {
            return new ReplicaId(Integer.parseInt(ordinal.group(1)), "the ordinal of " + source + " " + name, false);
        }
        CRC32 crc = new CRC32();
        crc.update(name.getBytes(StandardCharsets.UTF_8));
        return new ReplicaId((int) (crc.getValue() % (FleetConfig.MAX_REPLICA_ID + 1)), "a hash of " + source + " " + name, true);
    }
}
