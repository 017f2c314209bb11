// Kafka consumer lag check: is a consumer group keeping up with its topics?
//
// Asks the cluster (Kafka's AdminClient) for the group's committed offsets and
// for each partition's end offset; the difference is the lag, the messages
// the group has yet to read. Fails when any partition's lag, or the group's
// total, is above the maximum, and when the group has committed nothing
// (it does not exist, or never consumed). Run it with network "host" (or
// "bridge", or against a target container) to reach the brokers; the brokers'
// advertised listeners must be reachable from there too.
//
//DEPS org.apache.kafka:kafka-clients:3.9.1 org.slf4j:slf4j-nop:1.7.36
//
// /// stellascript
// [parameters.bootstrap_servers]
// type = "string"
// required = true
// pattern = "[^\\s,]+:\\d+(,[^\\s,]+:\\d+)*"
// description = "host:port of one or more brokers, comma-separated"
// [parameters.group]
// type = "string"
// required = true
// description = "The consumer group"
// [parameters.topic]
// type = "string"
// default = ""
// description = "Only this topic's partitions (empty: every topic the group consumes)"
// [parameters.max_lag]
// type = "integer"
// default = 1000
// minimum = 0
// description = "Highest acceptable lag of any one partition"
// [parameters.max_total_lag]
// type = "integer"
// default = 0
// minimum = 0
// description = "Highest acceptable lag of the whole group (0: not checked)"
// [parameters.timeout_ms]
// type = "integer"
// default = 15000
// minimum = 100
// description = "For each request to the cluster"
// ///
//
// Arguments: the parameters above (in /scripts/args.json, checked before the run).
// Output: a ✓/✗ line per partition; $STELLASCRIPT_OUTPUT gets {group, healthy,
// total_lag, max_partition_lag, partitions: [{topic, partition, committed,
// end, lag, ok}], problems}.
// Exit codes: 0 within the limits, 1 a lag above them or nothing committed,
// 2 the cluster could not be reached.
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

public class KafkaLagCheck {
    public static void main(String[] argv) throws Exception {
        Map<String, String> args = Json.readStringObject(Files.readString(Path.of("/scripts/args.json")));
        String group = args.get("group");
        String topic = args.getOrDefault("topic", "");
        long maxLag = Long.parseLong(args.getOrDefault("max_lag", "1000"));
        long maxTotalLag = Long.parseLong(args.getOrDefault("max_total_lag", "0"));
        int timeoutMs = Integer.parseInt(args.getOrDefault("timeout_ms", "15000"));

        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args.get("bootstrap_servers"));
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        Map<String, Object> outputs = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        outputs.put("group", group);

        try (Admin admin = Admin.create(config)) {
            Map<TopicPartition, OffsetAndMetadata> committed;
            Map<TopicPartition, ListOffsetsResultInfo> ends;
            try {
                committed = new LinkedHashMap<>(admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get(timeoutMs, TimeUnit.MILLISECONDS));
                committed.values().removeIf(offset -> offset == null);
                if (!topic.isEmpty()) {
                    committed.keySet().removeIf(partition -> !partition.topic().equals(topic));
                }
                Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
                committed.keySet().forEach(partition -> latest.put(partition, OffsetSpec.latest()));
                ends = admin.listOffsets(latest).all().get(timeoutMs, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException error) {
                Throwable cause = error.getCause() != null ? error.getCause() : error;
                System.out.println("✗ cannot read group " + group + " from " + args.get("bootstrap_servers") + ": " + cause);
                problems.add("cannot read the group: " + cause);
                outputs.put("healthy", false);
                outputs.put("problems", problems);
                write(outputs);
                System.exit(2);
                return;
            }

            List<Map<String, Object>> partitions = new ArrayList<>();
            long total = 0;
            long worst = 0;
            List<TopicPartition> order = new ArrayList<>(committed.keySet());
            order.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
            for (TopicPartition partition : order) {
                long offset = committed.get(partition).offset();
                long end = ends.get(partition).offset();
                long lag = Math.max(0, end - offset);
                boolean ok = lag <= maxLag;
                total += lag;
                worst = Math.max(worst, lag);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("topic", partition.topic());
                row.put("partition", partition.partition());
                row.put("committed", offset);
                row.put("end", end);
                row.put("lag", lag);
                row.put("ok", ok);
                partitions.add(row);
                System.out.println((ok ? "✓ " : "✗ ") + partition + ": lag " + lag + " (committed " + offset + ", end " + end
                        + "), at most " + maxLag + " allowed");
                if (!ok) {
                    problems.add(partition + " lags " + lag + " messages, at most " + maxLag + " allowed");
                }
            }
            if (partitions.isEmpty()) {
                String text = "group " + group + " has committed no offsets" + (topic.isEmpty() ? "" : " for " + topic);
                System.out.println("✗ " + text);
                problems.add(text);
            } else if (maxTotalLag > 0 && total > maxTotalLag) {
                System.out.println("✗ total lag " + total + ", at most " + maxTotalLag + " allowed");
                problems.add("total lag " + total + ", at most " + maxTotalLag + " allowed");
            } else {
                System.out.println("✓ group " + group + ": total lag " + total + " over " + partitions.size() + " partitions");
            }
            outputs.put("healthy", problems.isEmpty());
            outputs.put("total_lag", total);
            outputs.put("max_partition_lag", worst);
            outputs.put("partitions", partitions);
            outputs.put("problems", problems);
        }
        write(outputs);
        System.exit(problems.isEmpty() ? 0 : 1);
    }

    static void write(Map<String, Object> outputs) throws Exception {
        String path = System.getenv("STELLASCRIPT_OUTPUT");
        if (path != null && !path.isEmpty()) {
            Files.writeString(Path.of(path), Json.write(outputs));
        }
    }

    /** The JDK has no JSON library: a reader for args.json (an object of strings) and a small writer. */
    static final class Json {
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
                    case 'n' -> text.append('\n');
                    case 't' -> text.append('\t');
                    case 'r' -> text.append('\r');
                    case 'b' -> text.append('\b');
                    case 'f' -> text.append('\f');
                    case 'u' -> {
                        text.append((char) Integer.parseInt(json.substring(at[0], at[0] + 4), 16));
                        at[0] += 4;
                    }
                    default -> text.append(escaped); // \" \\ \/
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

        static String write(Object value) {
            if (value == null) return "null";
            if (value instanceof Boolean || value instanceof Number) return value.toString();
            if (value instanceof Map<?, ?> map) {
                List<String> members = new ArrayList<>();
                map.forEach((key, item) -> members.add(quote(key.toString()) + ":" + write(item)));
                return "{" + String.join(",", members) + "}";
            }
            if (value instanceof List<?> list) {
                return "[" + String.join(",", list.stream().map(Json::write).toList()) + "]";
            }
            return quote(value.toString());
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
}
