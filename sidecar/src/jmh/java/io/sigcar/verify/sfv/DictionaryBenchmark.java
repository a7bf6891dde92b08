package io.sigcar.verify.sfv;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.greenbytes.http.sfv.ListElement;
import org.greenbytes.http.sfv.Parser;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The three dictionaries of one RFC 9421 request as {@code sigcar sign} writes them, read by the
 * library's {@link Parser} and by {@link Dictionaries}, side by side in one run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DictionaryBenchmark {

    @Param({"signature-input", "signature", "content-digest"})
    String field;

    private List<String> line;

    @org.openjdk.jmh.annotations.Setup
    public void setup() {
        line = List.of(switch (field) {
            case "signature-input" -> "sig1=(\"@method\" \"@authority\" \"@path\" \"@query\" \"content-digest\")"
                    + ";created=1796329744;nonce=\"61ea425ce67e2eb196bfb0825de0dcd0\";keyid=\"k32\";alg=\"hmac-sha256\"";
            case "signature" -> "sig1=:U45YmRDb1bqCa1NRMK2EPN1frP7geQ+yB04dDlPmr8M=:";
            default -> "sha-256=:WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=:";
        });
    }

    @Benchmark
    public Map<String, ListElement<? extends Object>> library() {
        return new Parser(line).parseDictionary().get();
    }

    @Benchmark
    public Map<String, ListElement<? extends Object>> quick() {
        return Dictionaries.parse(line);
    }
}
