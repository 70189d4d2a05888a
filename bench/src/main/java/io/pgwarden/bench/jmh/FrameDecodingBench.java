package io.pgwarden.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pgwarden.protocol.MessageFrameDecoder;
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
 * {@link MessageFrameDecoder} cutting one socket read into frames (retained slices), the frames
 * then released as a forwarding handler would after writing them. Per read:
 * {@code select-only} is a pgbench -S answer (4 small messages), {@code rows-100} a result of
 * 100 rows of 5 × 20-byte columns, {@code split} the select-only answer arriving in two reads.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FrameDecodingBench {

    @Param({"select-only", "rows-100", "split"})
    public String read;

    private ByteBuf first;
    private ByteBuf second;
    private EmbeddedChannel channel;

    @Setup(Level.Trial)
    public void setUp() {
        ByteBuf all = PooledByteBufAllocator.DEFAULT.directBuffer();
        if (read.equals("rows-100")) {
            for (int i = 0; i < 100; i++) {
                Wire.dataRow(all, 5, 20);
            }
        } else {
            Wire.selectOnlyResponse(all);
        }
        if (read.equals("split")) {
            int half = all.readableBytes() / 2 + 3; // inside the DataRow
            first = all.retainedSlice(0, half);
            second = all.retainedSlice(half, all.readableBytes() - half);
            all.release();
        } else {
            first = all;
        }
        channel = new EmbeddedChannel(new MessageFrameDecoder());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        channel.finishAndReleaseAll();
        first.release();
        if (second != null) {
            second.release();
        }
    }

    @Benchmark
    public int decode() {
        channel.writeInbound(first.retainedDuplicate());
        if (second != null) {
            channel.writeInbound(second.retainedDuplicate());
        }
        int frames = 0;
        ByteBuf frame;
        while ((frame = channel.readInbound()) != null) {
            frames += frame.readableBytes();
            frame.release();
        }
        return frames;
    }
}
