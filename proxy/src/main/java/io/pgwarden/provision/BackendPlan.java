package io.pgwarden.provision;

import io.pgwarden.config.DatabaseConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one backend should hold, derived from the databases configured on it. Several logical
 * databases may share one physical database: its owner is the first one's user, the others are
 * granted CONNECT (so runs never fight over ownership). {@code pgwarden audit} checks a backend
 * against the same plan.
 *
 * @param databases physical databases in file order
 * @param passwords wanted password per role, from the first database naming it
 */
public record BackendPlan(List<PhysicalDatabase> databases, Map<String, String> passwords) {

    /** @param users the owner first, then every other role that must connect */
    public record PhysicalDatabase(String name, List<String> users) {

        public String owner() {
            return users.get(0);
        }
    }

    public static BackendPlan of(List<DatabaseConfig> configured) {
        Map<String, Set<String>> usersByDatabase = new LinkedHashMap<>();
        Map<String, String> passwords = new LinkedHashMap<>();
        for (DatabaseConfig database : configured) {
            usersByDatabase.computeIfAbsent(database.dbname(), name -> new LinkedHashSet<>()).add(database.user());
            passwords.putIfAbsent(database.user(), database.password() == null ? "" : database.password());
        }
        List<PhysicalDatabase> databases = new ArrayList<>();
        usersByDatabase.forEach((name, users) -> databases.add(new PhysicalDatabase(name, List.copyOf(users))));
        return new BackendPlan(List.copyOf(databases), Map.copyOf(passwords));
    }
}
