package io.pgwarden.admin;

import java.util.List;

/**
 * Just enough JSON for {@code /pools} (a result table as an array of objects, INT8 columns as
 * numbers) and for {@code pgwarden audit --format json} (its strings).
 */
public final class Json {

    private Json() {
    }

    static String table(ResultTable table) {
        StringBuilder json = new StringBuilder("[");
        List<Column> columns = table.columns();
        for (int r = 0; r < table.rows().size(); r++) {
            List<String> row = table.rows().get(r);
            json.append(r == 0 ? "\n  {" : ",\n  {");
            for (int c = 0; c < columns.size(); c++) {
                if (c > 0) {
                    json.append(", ");
                }
                string(json, columns.get(c).name());
                json.append(": ");
                String value = row.get(c);
                if (value == null) {
                    json.append("null");
                } else if (columns.get(c).type() == Column.Type.INT8) {
                    json.append(value);
                } else {
                    string(json, value);
                }
            }
            json.append('}');
        }
        return json.append(table.rows().isEmpty() ? "]\n" : "\n]\n").toString();
    }

    /** Appends {@code value} as a JSON string, quoted and escaped. */
    public static void string(StringBuilder json, String value) {
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        json.append('"');
    }
}
