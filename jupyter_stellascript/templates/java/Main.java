import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class Main {
    public static void main(String[] args) throws Exception {
        String json = Files.readString(Path.of("/scripts/args.json"));
        Matcher match = Pattern.compile("\"name\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        String name = match.find() ? match.group(1) : "world";
        System.out.println("Hello, " + name + "!");
    }
}
