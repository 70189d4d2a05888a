package io.pgwarden.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.pgwarden.protocol.frontend.Bind;
import java.util.concurrent.TimeUnit;
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
 * Transaction mode renames a client's prepared statement to the name it has on the server it
 * was given: {@link Bind#withStatement} builds a new header and names and keeps a retained slice
 * of the parameters. {@code readName} is the cheaper step before it: reading the statement name.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BindRewriteBench {

    @Param({"1", "10"})
    public int params;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private ByteBuf bind;
    private int length;

    @Setup(Level.Trial)
    public void setUp() {
        bind = alloc.directBuffer();
        Wire.bind(bind, "", "S_1", params);
        length = bind.readableBytes();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        bind.release();
    }

    @Benchmark
    public int rewrite() {
        ByteBuf frame = bind.retainedSlice(0, length);
        ByteBuf rewritten = Bind.withStatement(alloc, frame, "pgwarden_s_17");
        int bytes = rewritten.readableBytes();
        rewritten.release();
        return bytes;
    }

    @Benchmark
    public String readName() {
        return Bind.statement(bind);
    }
}
