package io.pgwarden.admin;

/** A result column of the admin console: a name and whether it holds text or a number. */
public record Column(String name, Type type) {

    /** The two PostgreSQL types the console answers with. */
    public enum Type {
        TEXT(25, -1), INT8(20, 8);

        private final int oid;
        private final int size;

        Type(int oid, int size) {
            this.oid = oid;
            this.size = size;
        }

        public int oid() {
            return oid;
        }

        public int size() {
            return size;
        }
    }

    static Column text(String name) {
        return new Column(name, Type.TEXT);
    }

    static Column int8(String name) {
        return new Column(name, Type.INT8);
    }
}
