package io.pgwarden.provision;

/**
 * One thing provisioning changed on a backend.
 *
 * @param backend     the backend's name in the config
 * @param description what changed, e.g. {@code created role orders_owner}; never holds a password
 */
public record Change(String backend, String description) {

    @Override
    public String toString() {
        return description;
    }
}
