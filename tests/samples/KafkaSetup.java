// Gives a real Kafka broker a topic and consumer groups whose lag is known:
// java -cp 'libs/*' KafkaSetup.java BOOTSTRAP TOPIC MESSAGES_PER_PARTITION GROUP=OFFSET,OFFSET,... ...
// The topic gets one partition per offset listed; each partition MESSAGES_PER_PARTITION
// messages; each group commits the listed offsets (partition 0 first), so its lag
// on partition p is MESSAGES_PER_PARTITION - offset[p].
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;

public class KafkaSetup {
    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String topic = args[1];
        int messages = Integer.parseInt(args[2]);
        int partitions = args[3].split("=")[1].split(",").length;
        Properties config = new Properties();
        config.put("bootstrap.servers", bootstrap);
        try (Admin admin = Admin.create(config)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
            Properties producing = new Properties();
            producing.putAll(config);
            producing.put("key.serializer", StringSerializer.class.getName());
            producing.put("value.serializer", StringSerializer.class.getName());
            producing.put("acks", "all");
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producing)) {
                for (int p = 0; p < partitions; p++) {
                    for (int n = 0; n < messages; n++) {
                        producer.send(new ProducerRecord<>(topic, p, "k" + n, "order " + n));
                    }
                }
                producer.flush();
            }
            for (int g = 3; g < args.length; g++) {
                String[] group = args[g].split("=");
                String[] offsets = group[1].split(",");
                Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
                for (int p = 0; p < offsets.length; p++) {
                    commits.put(new TopicPartition(topic, p), new OffsetAndMetadata(Long.parseLong(offsets[p])));
                }
                admin.alterConsumerGroupOffsets(group[0], commits).all().get();
            }
        }
        System.out.println("ready");
    }
}
