package io.pgwarden.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.pgwarden.frontend.PinScanner;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What pinning detection costs per Query or Parse in transaction mode: {@link PinScanner#scan} on
 * the query text in a pooled direct buffer, as it arrives. {@code select} and {@code update} are
 * pgbench's statements (most traffic: only the first word is compared, plus the word scan the
 * identity check already did); {@code insert8k} a long text without a statement of interest;
 * {@code multi} three statements; {@code set} the allocating path (a SET reads its setting's name).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PinScanBench {

    @Param({"select", "update", "insert8k", "multi", "set"})
    public String query;

    private static final Predicate<String> CARRIED = name -> name.equals("application_name");

    private ByteBuf text;
    private int from;
    private int to;

    @Setup(Level.Trial)
    public void setUp() {
        String sql = switch (query) {
            case "select" -> "SELECT abalance FROM pgbench_accounts WHERE aid = $1";
            case "update" -> "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2";
            case "insert8k" -> "INSERT INTO events (id, payload) VALUES " + "(1, 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'), ".repeat(200) + "(2, 'y')";
            case "multi" -> "BEGIN; UPDATE pgbench_branches SET bbalance = bbalance + 1 WHERE bid = 3; COMMIT";
            case "set" -> "SET statement_timeout = '5s'";
            default -> throw new IllegalArgumentException(query);
        };
        text = PooledByteBufAllocator.DEFAULT.directBuffer();
        text.writeBytes(new byte[] {'Q', 0, 0, 0, 0});
        from = text.writerIndex();
        text.writeBytes(sql.getBytes(StandardCharsets.UTF_8));
        to = text.writerIndex();
        text.writeByte(0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        text.release();
    }

    @Benchmark
    public int scan() {
        return PinScanner.scan(text, from, to, CARRIED);
    }
}
