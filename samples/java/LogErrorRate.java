/*
 * Log error rate: count ERROR and WARN lines in a log and fail when errors
 * make up too large a share of it.
 *
 * A post-deploy gate ("did the new release start logging errors?"): pass the
 * log text itself (e.g. the last minutes of a service's log, collected by the
 * pipeline) or the path of a log file the sandbox can see.
 *
 * A non-blank line counts as an error when it contains ERROR, FATAL, CRITICAL
 * or SEVERE as an upper-case word, or, in any case, [error] / level=error /
 * "level":"error" (also fatal, critical); as a warning likewise with WARN or
 * WARNING. A line is counted once, as an error before a warning.
 *
 * Arguments (args.json, all strings; exactly one of log and file):
 *   log             -       the log text itself
 *   file            -       path of a UTF-8 log file inside the sandbox
 *   max_error_rate  "0.05"  highest acceptable errors / non-blank lines,
 *                           as a fraction (0.05) or a percentage (5%), 0-1
 *
 * Output (stdout, JSON):
 *   {"source": "log"|"<file>", "lines": 200, "errors": 3, "warnings": 7,
 *    "error_rate": 0.015, "max_error_rate": 0.05, "healthy": true,
 *    "first_errors": ["<up to 5 error lines, as they appear>"]}
 *
 * Exit codes: 0 healthy (error rate at or below the maximum), 1 the error
 * rate is above it, 2 bad arguments, including a file that cannot be read
 * (message on stderr, nothing on stdout).
 */

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

public class LogErrorRate {
    static final Path ARGS_FILE = Path.of("/scripts/args.json");
    static final Set<String> KNOWN_ARGUMENTS = Set.of("log", "file", "max_error_rate");
    static final int MAX_EXAMPLES = 5;
    static final int MAX_EXAMPLE_CHARS = 500;

    static final Pattern ERROR = Pattern.compile(
        "\\b(?:ERROR|FATAL|CRITICAL|SEVERE)\\b"
        + "|(?i:\\[(?:error|fatal|critical)\\]"
        + "|\\blevel\\s*[=:]\\s*\"?(?:error|fatal|critical)\\b"
        + "|\"level\"\\s*:\\s*\"(?:error|fatal|critical)\")");
    static final Pattern WARNING = Pattern.compile(
        "\\bWARN(?:ING)?\\b"
        + "|(?i:\\[warn(?:ing)?\\]"
        + "|\\blevel\\s*[=:]\\s*\"?warn(?:ing)?\\b"
        + "|\"level\"\\s*:\\s*\"warn(?:ing)?\")");

    static final class BadArguments extends Exception {
        BadArguments(String message) {
            super(message);
        }
    }

    public static void main(String[] argv) {
        Map<String, String> args;
        double maxErrorRate;
        BufferedReader reader;
        String source;
        try {
            args = readArgs();
            Set<String> unknown = new TreeSet<>(args.keySet());
            unknown.removeAll(KNOWN_ARGUMENTS);
            if (!unknown.isEmpty()) {
                throw new BadArguments("unknown argument(s): " + String.join(", ", unknown)
                    + "; known: " + String.join(", ", new TreeSet<>(KNOWN_ARGUMENTS)));
            }
            maxErrorRate = parseRate(args.getOrDefault("max_error_rate", "").strip());
            if (args.containsKey("log") == args.containsKey("file")) {
                throw new BadArguments("give exactly one of log (the log text) and file (a log file's path)");
            }
            if (args.containsKey("log")) {
                source = "log";
                reader = new BufferedReader(new StringReader(args.get("log")));
            } else {
                source = args.get("file");
                reader = openFile(source);
            }
        } catch (BadArguments error) {
            System.err.println("LogErrorRate: bad arguments: " + error.getMessage());
            System.exit(2);
            return;
        }

        int lines = 0;
        int errors = 0;
        int warnings = 0;
        List<String> firstErrors = new ArrayList<>();
        try (BufferedReader input = reader) {
            for (String line = input.readLine(); line != null; line = input.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                lines++;
                if (ERROR.matcher(line).find()) {
                    errors++;
                    if (firstErrors.size() < MAX_EXAMPLES) {
                        firstErrors.add(line.length() > MAX_EXAMPLE_CHARS ? line.substring(0, MAX_EXAMPLE_CHARS) : line);
                    }
                } else if (WARNING.matcher(line).find()) {
                    warnings++;
                }
            }
        } catch (IOException error) {
            System.err.println("LogErrorRate: bad arguments: cannot read " + source + ": " + error);
            System.exit(2);
            return;
        }

        double rate = lines == 0 ? 0.0 : (double) errors / lines;
        boolean healthy = rate <= maxErrorRate;
        StringBuilder out = new StringBuilder("{\n");
        out.append("  \"source\": ").append(jsonString(source)).append(",\n");
        out.append("  \"lines\": ").append(lines).append(",\n");
        out.append("  \"errors\": ").append(errors).append(",\n");
        out.append("  \"warnings\": ").append(warnings).append(",\n");
        out.append("  \"error_rate\": ").append(jsonNumber(rate)).append(",\n");
        out.append("  \"max_error_rate\": ").append(jsonNumber(maxErrorRate)).append(",\n");
        out.append("  \"healthy\": ").append(healthy).append(",\n");
        out.append("  \"first_errors\": [");
        for (int i = 0; i < firstErrors.size(); i++) {
            out.append(i == 0 ? "\n    " : ",\n    ").append(jsonString(firstErrors.get(i)));
        }
        out.append(firstErrors.isEmpty() ? "]\n}" : "\n  ]\n}");
        System.out.println(out);
        System.exit(healthy ? 0 : 1);
    }

    static double parseRate(String text) throws BadArguments {
        if (text.isEmpty()) {
            return 0.05;
        }
        boolean percent = text.endsWith("%");
        String number = percent ? text.substring(0, text.length() - 1).strip() : text;
        double value;
        try {
            if (!number.matches("\\d+(\\.\\d+)?|\\.\\d+")) {
                throw new NumberFormatException();
            }
            value = Double.parseDouble(number);
        } catch (NumberFormatException error) {
            throw new BadArguments("max_error_rate must be a fraction like 0.05 or a percentage like 5%, got \"" + text + "\"");
        }
        value = percent ? value / 100 : value;
        if (value > 1) {
            throw new BadArguments("max_error_rate must be between 0 and 1 (0% and 100%), got \"" + text + "\"");
        }
        return value;
    }

    static BufferedReader openFile(String name) throws BadArguments {
        if (name.isBlank()) {
            throw new BadArguments("file must be the path of a log file, got an empty string");
        }
        Path path = Path.of(name);
        if (Files.isDirectory(path)) {
            throw new BadArguments("file " + name + " is a directory, not a log file");
        }
        try {
            // InputStreamReader replaces malformed UTF-8 instead of failing on it.
            return new BufferedReader(new InputStreamReader(Files.newInputStream(path), StandardCharsets.UTF_8));
        } catch (NoSuchFileException error) {
            throw new BadArguments("file " + name + " does not exist (or is not visible in the sandbox)");
        } catch (IOException error) {
            throw new BadArguments("cannot open file " + name + ": " + error.getMessage());
        }
    }

    // -- a tiny JSON reader for args.json: one flat object of string values ------------

    static Map<String, String> readArgs() throws BadArguments {
        if (!Files.exists(ARGS_FILE)) {
            return new LinkedHashMap<>();
        }
        String text;
        try {
            text = Files.readString(ARGS_FILE, StandardCharsets.UTF_8);
        } catch (IOException error) {
            throw new BadArguments("cannot read " + ARGS_FILE + ": " + error.getMessage());
        }
        return new FlatJsonReader(text).readObject();
    }

    static final class FlatJsonReader {
        private final String text;
        private int position;

        FlatJsonReader(String text) {
            this.text = text;
        }

        Map<String, String> readObject() throws BadArguments {
            Map<String, String> values = new LinkedHashMap<>();
            skipWhitespace();
            expect('{');
            skipWhitespace();
            if (peek() == '}') {
                position++;
            } else {
                while (true) {
                    skipWhitespace();
                    String key = readString();
                    skipWhitespace();
                    expect(':');
                    skipWhitespace();
                    if (peek() != '"') {
                        throw fail("argument \"" + key + "\" must be a string");
                    }
                    values.put(key, readString());
                    skipWhitespace();
                    char next = next();
                    if (next == '}') {
                        break;
                    }
                    if (next != ',') {
                        throw fail("expected ',' or '}'");
                    }
                }
            }
            skipWhitespace();
            if (position != text.length()) {
                throw fail("unexpected text after the object");
            }
            return values;
        }

        private String readString() throws BadArguments {
            expect('"');
            StringBuilder value = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return value.toString();
                }
                if (c < 0x20) {
                    throw fail("control character in a string");
                }
                if (c != '\\') {
                    value.append(c);
                    continue;
                }
                char escape = next();
                switch (escape) {
                    case '"', '\\', '/' -> value.append(escape);
                    case 'b' -> value.append('\b');
                    case 'f' -> value.append('\f');
                    case 'n' -> value.append('\n');
                    case 'r' -> value.append('\r');
                    case 't' -> value.append('\t');
                    // Surrogate pairs arrive as two \\u escapes and so come out as one code point.
                    case 'u' -> value.append(readHex4());
                    default -> throw fail("unknown escape \\" + escape);
                }
            }
        }

        private char readHex4() throws BadArguments {
            if (position + 4 > text.length()) {
                throw fail("truncated \\u escape");
            }
            int code = 0;
            for (int i = 0; i < 4; i++) {
                int digit = Character.digit(text.charAt(position++), 16);
                if (digit < 0) {
                    throw fail("bad hex digit in a \\u escape");
                }
                code = code * 16 + digit;
            }
            return (char) code;
        }

        private void skipWhitespace() {
            while (position < text.length() && " \t\r\n".indexOf(text.charAt(position)) >= 0) {
                position++;
            }
        }

        private char peek() throws BadArguments {
            if (position >= text.length()) {
                throw fail("unexpected end");
            }
            return text.charAt(position);
        }

        private char next() throws BadArguments {
            char c = peek();
            position++;
            return c;
        }

        private void expect(char wanted) throws BadArguments {
            if (next() != wanted) {
                position--;
                throw fail("expected '" + wanted + "'");
            }
        }

        private BadArguments fail(String problem) {
            return new BadArguments(ARGS_FILE + " is not a flat JSON object of strings: " + problem + " at offset " + position);
        }
    }

    // -- JSON output -------------------------------------------------------------------

    /** A JSON string literal; everything outside printable ASCII is \\u-escaped, so the
     * output is the same whatever the JVM's stdout encoding. */
    static String jsonString(String value) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    static String jsonNumber(double value) {
        return BigDecimal.valueOf(value).setScale(6, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }
}
