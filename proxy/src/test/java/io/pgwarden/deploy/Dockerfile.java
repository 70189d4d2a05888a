package io.pgwarden.deploy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** docker/Dockerfile as a list of stages, each a list of instructions (continuations joined, comments dropped). */
record Dockerfile(List<Stage> stages) {

    record Instruction(String keyword, String arguments) {
    }

    record Stage(String from, String name, List<Instruction> instructions) {

        List<Instruction> all(String keyword) {
            return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
        }

        Instruction only(String keyword) {
            List<Instruction> found = all(keyword);
            assertTrue(found.size() == 1, "stage " + from + " has " + found.size() + " " + keyword + ", expected one");
            return found.get(0);
        }
    }

    static Dockerfile parse(String text) {
        List<Instruction> instructions = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            String stripped = line.strip();
            if (stripped.startsWith("#") || stripped.isEmpty() && pending.isEmpty()) {
                continue; // comments (parser directives too) and blank lines, also inside a continuation
            }
            if (stripped.endsWith("\\")) {
                pending.append(stripped, 0, stripped.length() - 1).append(' ');
                continue;
            }
            pending.append(stripped);
            String whole = pending.toString().strip();
            pending.setLength(0);
            if (whole.isEmpty()) {
                continue;
            }
            int space = whole.indexOf(' ');
            instructions.add(new Instruction(whole.substring(0, space).toUpperCase(Locale.ROOT), whole.substring(space + 1).strip()));
        }
        List<Stage> stages = new ArrayList<>();
        for (Instruction instruction : instructions) {
            if (instruction.keyword().equals("FROM")) {
                String[] words = instruction.arguments().split("\\s+");
                String name = words.length == 3 && words[1].equalsIgnoreCase("AS") ? words[2] : null;
                stages.add(new Stage(words[0], name, new ArrayList<>()));
            } else {
                assertTrue(!stages.isEmpty(), instruction + " before the first FROM");
                stages.get(stages.size() - 1).instructions().add(instruction);
            }
        }
        return new Dockerfile(stages);
    }

    Stage stage(String name) {
        return stages.stream().filter(s -> name.equals(s.name())).findFirst()
                .orElseThrow(() -> new AssertionError("no stage " + name));
    }

    Stage last() {
        return stages.get(stages.size() - 1);
    }

    /** {@code --flag=value} options at the front of COPY/HEALTHCHECK arguments, and what follows them. */
    record Options(Map<String, String> flags, String rest) {

        static Options of(String arguments) {
            Map<String, String> flags = new LinkedHashMap<>();
            String rest = arguments;
            while (rest.startsWith("--")) {
                int end = rest.indexOf(' ');
                String flag = rest.substring(2, end);
                int equals = flag.indexOf('=');
                flags.put(flag.substring(0, equals), flag.substring(equals + 1));
                rest = rest.substring(end + 1).strip();
            }
            return new Options(flags, rest);
        }
    }
}
