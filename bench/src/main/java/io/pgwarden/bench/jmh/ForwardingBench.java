package io.pgwarden.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
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
 * One read from one side, framed, every frame written to the other side's channel and flushed
 * once at the end of the read (pgwarden's forwarding shape), then drained from the peer's
 * outbound buffer. {@code slice}: the frames are the decoder's retained slices (what pgwarden
 * does); {@code copy}: each frame copied into a fresh buffer first, the baseline slices avoid.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ForwardingBench {

    @Param({"slice", "copy"})
    public String frames;

    @Param({"bind-execute-sync", "rows-100"})
    public String read;

    private ByteBuf input;
    private EmbeddedChannel from;
    private EmbeddedChannel to;

    @Setup(Level.Trial)
    public void setUp() {
        input = PooledByteBufAllocator.DEFAULT.directBuffer();
        if (read.equals("rows-100")) {
            for (int i = 0; i < 100; i++) {
                Wire.dataRow(input, 5, 20);
            }
        } else {
            Wire.bindExecuteSync(input, "S_1");
        }
        to = new EmbeddedChannel();
        boolean copy = frames.equals("copy");
        from = new EmbeddedChannel(new MessageFrameDecoder(), new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf frame = (ByteBuf) msg;
                if (copy) {
                    ByteBuf copied = ctx.alloc().directBuffer(frame.readableBytes());
                    copied.writeBytes(frame);
                    frame.release();
                    to.write(copied);
                } else {
                    to.write(frame);
                }
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                to.flush();
            }
        });
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        from.finishAndReleaseAll();
        to.finishAndReleaseAll();
        input.release();
    }

    @Benchmark
    public int forward() {
        from.writeInbound(input.retainedDuplicate());
        int bytes = 0;
        ByteBuf out;
        while ((out = to.readOutbound()) != null) {
            bytes += out.readableBytes();
            out.release();
        }
        return bytes;
    }
}
