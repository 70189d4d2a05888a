package io.pgwarden.bench.report;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** Median, minimum and maximum of one figure over the rounds (NaN values left out). */
public record Stats(double median, double min, double max, int count) {

    public static <T> Stats of(List<T> items, ToDoubleFunction<T> value) {
        double[] values = items.stream().mapToDouble(value).filter(v -> !Double.isNaN(v)).sorted().toArray();
        if (values.length == 0) {
            return new Stats(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        int n = values.length;
        double median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
        return new Stats(median, values[0], values[n - 1], n);
    }

    public static Stats of(double... values) {
        return of(Arrays.stream(values).boxed().toList(), Double::doubleValue);
    }

    public boolean empty() {
        return count == 0;
    }
}
