// /// stellascript
// [parameters.name]
// type = "string"
// default = "world"
// description = "Who to greet"
// ///
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

public class Main {
    public static void main(String[] args) throws Exception {
        // Arguments arrive in /scripts/args.json (String[] args stays empty): a JSON object of
        // strings, checked against the parameters above (defaults filled in) before the run starts.
        Map<String, String> arguments = readStringObject(Files.readString(Path.of("/scripts/args.json")));
        String greeting = "Hello, " + arguments.getOrDefault("name", "world") + "!";
        System.out.println(greeting);

        // Results for a workflow's next steps: a JSON object in the file STELLASCRIPT_OUTPUT names, when it is set.
        String output = System.getenv("STELLASCRIPT_OUTPUT");
        if (output != null && !output.isEmpty()) {
            Files.writeString(Path.of(output), "{\"greeting\": " + quote(greeting) + "}");
        }
    }

    // The JDK has no JSON library (and the image adds none): a small reader for
    // what args.json always is, one object of strings. With a dependency such as
    // com.fasterxml.jackson.core:jackson-databind, use its ObjectMapper instead.
    static Map<String, String> readStringObject(String json) {
        Map<String, String> result = new LinkedHashMap<>();
        int[] at = {skipBlanks(json, 0)};
        expect(json, at, '{');
        while (json.charAt(skipBlanks(json, at[0])) != '}') {
            String key = readString(json, at);
            expect(json, at, ':');
            result.put(key, readString(json, at));
            at[0] = skipBlanks(json, at[0]);
            if (json.charAt(at[0]) == ',') at[0]++;
        }
        return result;
    }

    static String readString(String json, int[] at) {
        expect(json, at, '"');
        StringBuilder text = new StringBuilder();
        for (char c = json.charAt(at[0]++); c != '"'; c = json.charAt(at[0]++)) {
            if (c != '\\') {
                text.append(c);
                continue;
            }
            char escaped = json.charAt(at[0]++);
            switch (escaped) {
                case 'n': text.append('\n'); break;
                case 't': text.append('\t'); break;
                case 'r': text.append('\r'); break;
                case 'b': text.append('\b'); break;
                case 'f': text.append('\f'); break;
                case 'u': text.append((char) Integer.parseInt(json.substring(at[0], at[0] + 4), 16)); at[0] += 4; break;
                default: text.append(escaped);  // \" \\ \/
            }
        }
        return text.toString();
    }

    static void expect(String json, int[] at, char wanted) {
        at[0] = skipBlanks(json, at[0]);
        if (json.charAt(at[0]) != wanted) {
            throw new IllegalArgumentException("args.json: expected '" + wanted + "' at character " + at[0]);
        }
        at[0]++;
    }

    static int skipBlanks(String json, int at) {
        while (at < json.length() && Character.isWhitespace(json.charAt(at))) at++;
        return at;
    }

    static String quote(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') quoted.append('\\').append(c);
            else if (c < 0x20) quoted.append(String.format("\\u%04x", (int) c));
            else quoted.append(c);
        }
        return quoted.append('"').toString();
    }
}
