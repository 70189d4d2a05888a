package io.pgwarden.admin;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The result of one console command: columns, rows of text values (null is SQL NULL), and the
 * command tag. The same table feeds the wire (RowDescription, DataRow, CommandComplete) and the
 * JSON of the HTTP endpoint, where INT8 columns become numbers.
 */
public record ResultTable(List<Column> columns, List<List<String>> rows, String tag) {

    public ResultTable {
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
    }

    /** A command that returns no rows, e.g. {@code PAUSE}. */
    static ResultTable tagOnly(String tag) {
        return new ResultTable(List.of(), List.of(), tag);
    }

    public List<String> columnNames() {
        return columns.stream().map(Column::name).toList();
    }

    static Builder builder(String tag) {
        return new Builder(tag);
    }

    /** Columns first, then rows whose values are formatted here: numbers as decimals, booleans as 1/0. */
    static final class Builder {
        private final String tag;
        private final List<Column> columns = new ArrayList<>();
        private final List<List<String>> rows = new ArrayList<>();

        private Builder(String tag) {
            this.tag = tag;
        }

        Builder text(String... names) {
            Arrays.stream(names).map(Column::text).forEach(columns::add);
            return this;
        }

        Builder int8(String... names) {
            Arrays.stream(names).map(Column::int8).forEach(columns::add);
            return this;
        }

        Builder row(Object... values) {
            if (values.length != columns.size()) {
                throw new IllegalArgumentException(values.length + " values for " + columns.size() + " columns");
            }
            List<String> row = new ArrayList<>(values.length);
            for (Object value : values) {
                row.add(format(value));
            }
            rows.add(Collections.unmodifiableList(row));
            return this;
        }

        private static String format(Object value) {
            if (value == null) {
                return null;
            }
            if (value instanceof Boolean flag) {
                return flag ? "1" : "0";
            }
            return value.toString();
        }

        ResultTable build() {
            return new ResultTable(columns, rows, tag);
        }
    }
}
