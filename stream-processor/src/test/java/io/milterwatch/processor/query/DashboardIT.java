package io.milterwatch.processor.query;

import static io.milterwatch.testing.LocalPorts.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import io.milterwatch.testing.Prerequisites;
import io.milterwatch.config.Settings;
import io.milterwatch.kafka.TopicAdmin;
import io.milterwatch.kafka.Topics;
import io.milterwatch.processor.StreamsApp;
import io.milterwatch.processor.config.ProcessorConfig;
import io.milterwatch.processor.config.ProcessorSettings;
import io.milterwatch.schema.FirewallAction;
import io.milterwatch.schema.FirewallEvent;
import io.milterwatch.schema.MilterHandshake;
import io.milterwatch.schema.Outcome;
import io.milterwatch.schema.ProbeResult;
import io.milterwatch.schema.Target;
import io.milterwatch.schema.Zone;
import io.milterwatch.serde.RecordJson;
import io.milterwatch.serde.Records;
import io.milterwatch.testing.KafkaCluster;
import io.milterwatch.testing.KafkaClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real headless browser (Debian's chromium through its chromium-driver) against
 * a real broker and the real stream processor with a token: targets appear with their state and
 * evidence, a new alert appears live over server-sent events without a reload, the history of an
 * ip:port lists its transitions, and filter and search narrow the list. Skipped (failed under CI=true), saying why, when
 * chromium or chromedriver is not installed.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DashboardIT {

    /** Debian's paths; {@code -Dmilterwatch.chromium=...} and {@code -Dmilterwatch.chromedriver=...} for elsewhere. */
    private static final Path CHROMIUM = Path.of(System.getProperty("milterwatch.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getProperty("milterwatch.chromedriver", "/usr/bin/chromedriver"));
    private static final String TOKEN = "dash-t0ken";
    private static final String LEAKY = "192.0.2.10:8891";
    private static final String AXI = "192.0.2.30:1981";
    private static final String INSIDE = "192.0.2.20:8891";
    private static final String MARKUP = "<b id=\"injected\">bold</b>";
    private static final String FAILING = "nx.example.invalid:2525";
    private static final int FAILING_TARGETS = 1_060;

    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicInteger requests = new AtomicInteger();

    @TempDir
    Path stateDir;
    @TempDir
    Path profileDir;

    @Test
    void shouldShowStatesLiveAlertsHistoryAndFiltersInABrowserWhenFedRealRecords(final KafkaCluster cluster) throws Exception {
        Prerequisites.require(Files.isExecutable(CHROMIUM), "needs Debian's chromium at " + CHROMIUM + " (apt-get install chromium chromium-driver)");
        Prerequisites.require(Files.isExecutable(CHROMEDRIVER), "needs Debian's chromium-driver at " + CHROMEDRIVER + " (apt-get install chromium chromium-driver)");

        // given: the stream processor with its query server and a token
        final String prefix = KafkaCluster.uniquePrefix("dashboard");
        final Topics topics = Topics.withPrefix(prefix);
        try (Admin admin = cluster.admin()) {
            TopicAdmin.ensureTopics(admin, topics, 3, (short) -1);
        }
        final int port = freePort();
        final String base = "http://127.0.0.1:" + port;
        try (StreamsApp app = new StreamsApp(config(cluster, prefix, port));
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                     cluster.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            app.start();
            await().atMost(Duration.ofSeconds(90)).until(() -> app.state() == KafkaStreams.State.RUNNING);

            // and: three targets with labels (one label is markup, which must stay text) and their first results
            send(producer, topics.targets(), LEAKY, Records.TARGET.encode(target("192.0.2.10", 8891, Map.of("site", "paris", "note", MARKUP))));
            send(producer, topics.targets(), AXI, Records.TARGET.encode(target("192.0.2.30", 1981, Map.of("site", "berlin"))));
            send(producer, topics.targets(), INSIDE, Records.TARGET.encode(target("192.0.2.20", 8891, Map.of("site", "paris"))));
            send(producer, topics.probeResults(), LEAKY, Records.PROBE_RESULT.encode(result("192.0.2.10", 8891, "outside", Zone.EXTERNAL, Outcome.MILTER)));
            send(producer, topics.probeResults(), AXI, Records.PROBE_RESULT.encode(result("192.0.2.30", 1981, "outside", Zone.EXTERNAL, Outcome.AXIMILTER)));
            send(producer, topics.probeResults(), INSIDE, Records.PROBE_RESULT.encode(result("192.0.2.20", 8891, "inside", Zone.INTERNAL, Outcome.MILTER)));
            // and: a target whose name does not resolve: the worker's result is keyed by the target id
            send(producer, topics.targets(), FAILING, Records.TARGET.encode(Target.newBuilder().setId(FAILING).setHost("nx.example.invalid")
                    .setPorts(List.of(2525)).setIntervalSeconds(3600).build()));
            await().atMost(Duration.ofSeconds(60)).until(() -> overviewState(port, LEAKY).equals("EXPOSED"));
            send(producer, topics.probeResults(), FAILING, Records.PROBE_RESULT.encode(ProbeResult.newBuilder().setRequestId("r-nx")
                    .setTargetId(FAILING).setHost("nx.example.invalid").setIp("").setPort(2525).setVantage("inside").setZone(Zone.INTERNAL)
                    .setOutcome(Outcome.ERROR).setError("cannot resolve host 'nx.example.invalid': no A or AAAA record")
                    .setTotalMs(0).setProbedAtMs(System.currentTimeMillis()).build()));
            // a firewall line only counts for a watched ip:port, so it goes after the first state
            send(producer, topics.firewallEvents(), LEAKY, Records.FIREWALL_EVENT.encode(blocked("203.0.113.5", "192.0.2.10", 8891)));
            await().atMost(Duration.ofSeconds(60)).until(() -> overview(port).path("items").size() == 3
                    && entry(overview(port), LEAKY).path("blockedFromDisallowed").asLong() == 1 && !entry(overview(port), AXI).path("labels").isEmpty());

            final WebDriver browser = browser();
            try {
                // when: the page is opened without the token
                browser.get(base + "/");
                // then: it asks for one and shows nothing
                eventually(() -> assertThat(browser.findElement(By.id("login")).isDisplayed()).isTrue());
                assertThat(browser.findElements(By.cssSelector("article.target"))).isEmpty();
                // when: the token is entered
                browser.findElement(By.id("token-input")).sendKeys(TOKEN);
                browser.findElement(By.cssSelector("#login button[type=submit]")).click();

                // then: every target shows in the group of its state, with its evidence
                eventually(() -> assertThat(keys(browser)).containsExactlyInAnyOrder(LEAKY, AXI, INSIDE));
                assertThat(browser.findElement(By.id("login")).isDisplayed()).isFalse();
                final WebElement leaky = card(browser, LEAKY);
                assertThat(leaky.getDomAttribute("data-state")).isEqualTo("EXPOSED");
                assertThat(groupOf(browser, LEAKY)).isEqualTo("EXPOSED");
                assertThat(groupOf(browser, AXI)).isEqualTo("EXPOSED");
                assertThat(groupOf(browser, INSIDE)).isEqualTo("NOT_EXPOSED");
                assertThat(texts(leaky, "li.label")).contains("site=paris", "note=" + MARKUP);
                assertThat(browser.findElements(By.id("injected"))).as("a label is text, never markup").isEmpty();
                assertThat(leaky.findElement(By.cssSelector("tr[data-vantage='outside']")).getText()).contains("EXTERNAL").contains("MILTER");
                assertThat(leaky.findElement(By.cssSelector("[data-counter='blockedFromDisallowed']")).getText()).isEqualTo("1");
                assertThat(leaky.findElement(By.cssSelector("[data-counter='allowedFromDisallowed']")).getText()).isEqualTo("0");
                leaky.findElement(By.cssSelector("details summary")).click();
                eventually(() -> assertThat(card(browser, LEAKY).findElement(By.cssSelector("pre.lines")).getText()).contains("SRC=203.0.113.5"));
                final WebElement remediation = card(browser, LEAKY).findElement(By.xpath(".//details[summary='remediation']"));
                remediation.findElement(By.tagName("summary")).click();
                eventually(() -> assertThat(card(browser, LEAKY).findElement(By.cssSelector("pre.remediation")).getText())
                        .contains("--dport 8891").contains("MTA_IP"));
                assertThat(card(browser, AXI).findElement(By.cssSelector(".product")).getText()).isEqualTo("AXIGEN AXIMilter");
                assertThat(card(browser, INSIDE).findElements(By.cssSelector("pre.remediation, details"))).isEmpty();
                // and: the feed lists the alerts so far
                eventually(() -> assertThat(feed(browser)).contains(LEAKY + "#1 EXPOSED", AXI + "#1 EXPOSED"));
                // and: the counts per state are those of the whole estate, and the failing target shows with its reason
                eventually(() -> assertThat(chipCount(browser, "EXPOSED")).isEqualTo("2"));
                assertThat(chipCount(browser, "NOT_EXPOSED")).isEqualTo("1");
                assertThat(chipCount(browser, "ALL")).isEqualTo("3");
                eventually(() -> assertThat(browser.findElement(By.cssSelector("#failing li[data-id='" + FAILING + "']")).getText())
                        .contains("cannot resolve host 'nx.example.invalid'").contains("2525"));
                assertThat(browser.findElement(By.id("summary")).getText()).contains("3 endpoint(s) of 4 target(s); 1 failing target(s)");

                // when: the page is connected live, and the leaky milter gets fixed (inside still sees it, outside is refused)
                final JavascriptExecutor js = (JavascriptExecutor) browser;
                js.executeScript("window.sameDocument = 'yes'");
                eventually(() -> assertThat(browser.findElement(By.id("live-status")).getDomAttribute("data-status")).isEqualTo("live"));
                send(producer, topics.probeResults(), LEAKY, Records.PROBE_RESULT.encode(result("192.0.2.10", 8891, "inside", Zone.INTERNAL, Outcome.MILTER)));
                send(producer, topics.probeResults(), LEAKY, Records.PROBE_RESULT.encode(result("192.0.2.10", 8891, "outside", Zone.EXTERNAL, Outcome.CLOSED)));
                // then: the new alert appears in the feed, pushed (marked fresh: /api/alerts is read only at start), without a reload
                eventually(() -> assertThat(feed(browser)).contains(LEAKY + "#2 REMEDIATED fresh"));
                assertThat(js.executeScript("return window.sameDocument")).isEqualTo("yes");
                eventually(() -> assertThat(groupOf(browser, LEAKY)).isEqualTo("REMEDIATED"));

                // when: the history of the ip:port is opened
                card(browser, LEAKY).findElement(By.cssSelector("button.history-button")).click();
                // then: it lists its transitions, oldest first
                eventually(() -> assertThat(transitions(browser)).containsExactly(LEAKY + "#1 EXPOSED", LEAKY + "#2 REMEDIATED"));
                assertThat(browser.findElement(By.id("history")).getText()).contains("vantage outside (EXTERNAL) saw MILTER");
                // when: it regresses while the history is open
                send(producer, topics.probeResults(), LEAKY, Records.PROBE_RESULT.encode(result("192.0.2.10", 8891, "outside", Zone.EXTERNAL, Outcome.MILTER)));
                // then: the history, the feed and the card follow, still without a reload
                eventually(() -> assertThat(transitions(browser))
                        .containsExactly(LEAKY + "#1 EXPOSED", LEAKY + "#2 REMEDIATED", LEAKY + "#3 REGRESSED"));
                eventually(() -> assertThat(feed(browser)).contains(LEAKY + "#3 REGRESSED fresh"));
                eventually(() -> assertThat(groupOf(browser, LEAKY)).isEqualTo("REGRESSED"));
                assertThat(js.executeScript("return window.sameDocument")).isEqualTo("yes");

                // when: filtered by state
                browser.findElement(By.cssSelector("#state-filter button[data-state='EXPOSED']")).click();
                // then
                eventually(() -> assertThat(keys(browser)).containsExactly(AXI));
                // when: the filter is lifted and the list searched by label, product and address
                browser.findElement(By.cssSelector("#state-filter button[data-state='ALL']")).click();
                eventually(() -> assertThat(keys(browser)).hasSize(3));
                search(browser, "paris");
                eventually(() -> assertThat(keys(browser)).containsExactlyInAnyOrder(LEAKY, INSIDE));
                search(browser, "aximilter");
                eventually(() -> assertThat(keys(browser)).containsExactly(AXI));
                search(browser, "192.0.2.20");
                eventually(() -> assertThat(keys(browser)).containsExactly(INSIDE));
                search(browser, "nothing-like-this");
                eventually(() -> assertThat(keys(browser)).isEmpty());
                assertThat(browser.findElement(By.id("no-targets")).getText()).contains("Nothing matches");

                // when: a new tab gets the token once in the fragment, with a link to one ip:port's history
                browser.switchTo().newWindow(WindowType.TAB);
                browser.get(base + "/#token=" + TOKEN + "&target=" + LEAKY);
                // then: it works at once, and the token is gone from the address bar
                eventually(() -> assertThat(keys(browser)).hasSize(3));
                eventually(() -> assertThat(transitions(browser)).hasSize(3));
                assertThat(browser.getCurrentUrl()).doesNotContain(TOKEN).contains("target=");
                eventually(() -> assertThat(browser.findElement(By.id("live-status")).getDomAttribute("data-status")).isEqualTo("live"));

                // when: a tab is given a wrong token
                browser.switchTo().newWindow(WindowType.TAB);
                browser.get(base + "/#token=wrong");
                // then: it asks again and says why
                eventually(() -> assertThat(browser.findElement(By.id("login")).isDisplayed()).isTrue());
                assertThat(browser.findElement(By.id("problem")).getText()).contains("refused");
                assertThat(browser.findElements(By.cssSelector("article.target"))).isEmpty();
            } finally {
                browser.quit();
            }

            // and: the API behind the page keeps its token, and names bad input
            assertThat(raw(base + "/api/summary", null).statusCode()).isEqualTo(401);
            assertThat(raw(base + "/api/state?limit=10", null).statusCode()).isEqualTo(401);
            assertThat(raw(base + "/api/history/" + LEAKY, null).statusCode()).isEqualTo(401);
            assertThat(raw(base + "/api/transitions?access_token=wrong", null).statusCode()).isEqualTo(401);
            final HttpResponse<String> bad = raw(base + "/api/history/not-an-endpoint", TOKEN);
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("not-an-endpoint");
            final JsonNode history = RecordJson.mapper().readTree(raw(base + "/api/history/" + LEAKY, TOKEN).body());
            assertThat(history.path("alerts").size()).isEqualTo(3);
            final HttpResponse<String> page = raw(base + "/", null);
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(v -> assertThat(v).contains("script-src 'self'"));
            assertThat(page.body()).doesNotContain("192.0.2.");
        }
    }

    /**
     * A large estate: 20,000 endpoints written as probe results (the exposure store's input). The
     * page paints its first page without ever fetching the estate, pages forward and back, filters
     * and searches on the server. The first paint is measured and printed, never asserted as a time.
     */
    @Test
    void shouldPaintOnePageOfALargeEstateAndPageFilterAndSearchOnTheServer(final KafkaCluster cluster) throws Exception {
        Prerequisites.require(Files.isExecutable(CHROMIUM), "needs Debian's chromium at " + CHROMIUM + " (apt-get install chromium chromium-driver)");
        Prerequisites.require(Files.isExecutable(CHROMEDRIVER), "needs Debian's chromium-driver at " + CHROMEDRIVER + " (apt-get install chromium chromium-driver)");
        final int endpoints = Integer.getInteger("milterwatch.dashboard.endpoints", 20_000);
        // given: the processor, and the estate's results (every tenth endpoint a milter answering outside)
        final String prefix = KafkaCluster.uniquePrefix("dashboard-large");
        final Topics topics = Topics.withPrefix(prefix);
        try (Admin admin = cluster.admin()) {
            TopicAdmin.ensureTopics(admin, topics, 3, (short) -1);
        }
        final int port = freePort();
        final String base = "http://127.0.0.1:" + port;
        try (StreamsApp app = new StreamsApp(config(cluster, prefix, port));
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                     cluster.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 262_144),
                     new StringSerializer(), new ByteArraySerializer())) {
            app.start();
            await().atMost(Duration.ofSeconds(90)).until(() -> app.state() == KafkaStreams.State.RUNNING);
            final long loadStart = System.nanoTime();
            final List<String> inKeyOrder = new java.util.ArrayList<>();
            for (int i = 0; i < endpoints; i++) {
                final String ip = "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
                final boolean milter = i % 10 == 0;
                inKeyOrder.add(ip + ":2525");
                producer.send(new ProducerRecord<>(topics.probeResults(), ip + ":2525", Records.PROBE_RESULT.encode(
                        result(ip, 2525, "outside", Zone.EXTERNAL, milter ? Outcome.MILTER : Outcome.CLOSED))));
            }
            // and: more failing targets than the dashboard ever showed at once before (it stopped at 1,000)
            final List<String> failing = new java.util.ArrayList<>();
            for (int i = 0; i < FAILING_TARGETS; i++) {
                final String host = String.format("nx-%04d.example.invalid", i);
                final String id = host + ":2525";
                failing.add(id);
                producer.send(new ProducerRecord<>(topics.targets(), id, Records.TARGET.encode(Target.newBuilder().setId(id).setHost(host)
                        .setPorts(List.of(2525)).setIntervalSeconds(3600).build())));
            }
            producer.flush();
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> summary(port).path("targets").asLong() >= FAILING_TARGETS);
            for (final String id : failing) {
                producer.send(new ProducerRecord<>(topics.probeResults(), id, Records.PROBE_RESULT.encode(ProbeResult.newBuilder()
                        .setRequestId("r-" + id).setTargetId(id).setHost(id.substring(0, id.indexOf(':'))).setIp("").setPort(2525)
                        .setVantage("inside").setZone(Zone.INTERNAL).setOutcome(Outcome.ERROR)
                        .setError("cannot resolve host: no A or AAAA record").setTotalMs(0).setProbedAtMs(System.currentTimeMillis()).build())));
            }
            producer.flush();
            await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> summary(port).path("endpoints").asLong() == endpoints
                            && summary(port).path("failingTargets").asLong() == FAILING_TARGETS);
            System.out.printf("DashboardIT: %,d endpoints in the store after %.1f s%n", endpoints, (System.nanoTime() - loadStart) / 1e9);

            final WebDriver browser = browser();
            try {
                // when: the page is opened with the token
                final long opened = System.nanoTime();
                browser.get(base + "/#token=" + TOKEN);
                // then: the first page of endpoints paints, with the counts of the whole estate
                eventually(() -> assertThat(keys(browser)).hasSize(100));
                final long seen = System.nanoTime();
                final Object firstPaint = ((JavascriptExecutor) browser).executeScript("return window.milterwatchFirstPaintMs");
                System.out.printf("DashboardIT: first paint at %,d endpoints: %s ms after navigation start (page script), "
                        + "%.0f ms until the test saw 100 cards%n", endpoints, firstPaint, (seen - opened) / 1e6);
                eventually(() -> assertThat(chipCount(browser, "ALL")).isEqualTo(Integer.toString(endpoints)));
                assertThat(chipCount(browser, "EXPOSED")).isEqualTo(Integer.toString(endpoints / 10));
                java.util.Collections.sort(inKeyOrder);
                final List<String> first = keys(browser);
                // (the page groups its endpoints by state, so the cards are not in key order)
                assertThat(first).containsExactlyInAnyOrderElementsOf(inKeyOrder.subList(0, 100));

                // when: next page
                browser.findElement(By.id("next")).click();
                // then: the next 100 keys, after the first page's
                eventually(() -> assertThat(keys(browser)).hasSize(100).doesNotContainAnyElementsOf(first));
                assertThat(keys(browser)).containsExactlyInAnyOrderElementsOf(inKeyOrder.subList(100, 200));
                // when: previous page
                browser.findElement(By.id("prev")).click();
                // then
                eventually(() -> assertThat(keys(browser)).containsExactlyInAnyOrderElementsOf(first));
                assertThat(browser.findElement(By.id("prev")).isEnabled()).isFalse();

                // when: filtered by state on the server
                browser.findElement(By.cssSelector("#state-filter button[data-state='EXPOSED']")).click();
                // then: a full page of exposed endpoints only
                eventually(() -> assertThat(browser.findElements(By.cssSelector("#targets article.target[data-state='EXPOSED']"))).hasSize(100));
                assertThat(browser.findElements(By.cssSelector("#targets article.target:not([data-state='EXPOSED'])"))).isEmpty();
                // when: searched for one address among them
                search(browser, "10.0.39.16:");
                // then
                eventually(() -> assertThat(keys(browser)).containsExactly("10.0.39.16:2525"));
                // when: the failing targets are walked page by page
                final List<String> seenFailing = new java.util.ArrayList<>();
                eventually(() -> assertThat(failingIds(browser)).hasSize(50));
                assertThat(browser.findElement(By.id("failing-count")).getText()).isEqualTo(Integer.toString(FAILING_TARGETS));
                assertThat(browser.findElement(By.id("failing-prev")).isDisplayed()).isFalse();
                final List<String> firstFailing = failingIds(browser);
                seenFailing.addAll(firstFailing);
                while (browser.findElement(By.id("failing-more")).isDisplayed()) {
                    final List<String> before = failingIds(browser);
                    browser.findElement(By.id("failing-more")).click();
                    eventually(() -> assertThat(failingIds(browser)).isNotEmpty().doesNotContainAnyElementsOf(before));
                    seenFailing.addAll(failingIds(browser));
                }
                // then: every failing target was shown once, in key order, past the old limit of 1,000
                assertThat(seenFailing).containsExactlyElementsOf(failing);
                assertThat(browser.findElement(By.id("failing-page")).getText()).isEqualTo("page " + ((FAILING_TARGETS + 49) / 50));
                // when: back one page
                final List<String> last = failingIds(browser);
                browser.findElement(By.id("failing-prev")).click();
                // then: the page before the last
                eventually(() -> assertThat(failingIds(browser)).hasSize(50).doesNotContainAnyElementsOf(last));
                assertThat(failingIds(browser)).containsExactlyElementsOf(failing.subList(seenFailing.size() - last.size() - 50,
                        seenFailing.size() - last.size()));

                // and: the page never asked for the whole estate
                assertThat(((JavascriptExecutor) browser).executeScript(
                        "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/api/state') && !n.includes('limit=')).length"))
                        .isEqualTo(0L);
            } finally {
                browser.quit();
            }
        }
    }

    private JsonNode summary(final int port) throws Exception {
        final HttpResponse<String> r = raw("http://127.0.0.1:" + port + "/api/summary", TOKEN);
        return r.statusCode() == 200 ? RecordJson.mapper().readTree(r.body()) : RecordJson.mapper().createObjectNode();
    }

    private WebDriver browser() {
        final ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000",
                "--user-data-dir=" + profileDir,
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-default-apps", "--disable-sync",
                "--disable-background-networking", "--disable-component-update", "--disable-domain-reliability", "--no-pings",
                "--metrics-recording-only",
                // loopback only: no name resolves except 127.0.0.1, and anything else goes to a dead proxy on loopback
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=127.0.0.1");
        // The driver's path is given, so Selenium Manager is never asked (it would look on the network).
        final ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static void eventually(final ThrowingRunnable assertion) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .ignoreExceptionsInstanceOf(WebDriverException.class).untilAsserted(assertion);
    }

    private static String chipCount(final WebDriver browser, final String state) {
        return browser.findElement(By.cssSelector("#state-filter button[data-state='" + state + "'] .count")).getText();
    }

    private static List<String> failingIds(final WebDriver browser) {
        // Read in one script: the list is redrawn on every refresh, and elements found before one go stale.
        @SuppressWarnings("unchecked")
        final List<String> ids = (List<String>) ((JavascriptExecutor) browser).executeScript(
                "return [...document.querySelectorAll('#failing-list li.failing-target')].map(e => e.dataset.id)");
        return ids;
    }

    private static List<String> keys(final WebDriver browser) {
        return browser.findElements(By.cssSelector("#targets article.target")).stream().map(e -> e.getDomAttribute("data-key")).toList();
    }

    private static WebElement card(final WebDriver browser, final String key) {
        return browser.findElement(By.cssSelector("#targets article.target[data-key='" + key + "']"));
    }

    /** The state of the group a target's card is shown in. */
    private static String groupOf(final WebDriver browser, final String key) {
        return card(browser, key).findElement(By.xpath("ancestor::section[contains(@class,'group')]")).getDomAttribute("data-state");
    }

    /** The feed's alerts as "id to-state", with " fresh" for those pushed over server-sent events. */
    private static List<String> feed(final WebDriver browser) {
        return browser.findElements(By.cssSelector("#feed li.alert")).stream().map(e -> e.getDomAttribute("data-alert-id") + " "
                + e.getDomAttribute("data-to-state") + (e.getDomAttribute("class").contains("fresh") ? " fresh" : "")).toList();
    }

    private static List<String> transitions(final WebDriver browser) {
        return browser.findElements(By.cssSelector("#history #transitions li.transition")).stream()
                .map(e -> e.getDomAttribute("data-alert-id") + " " + e.getDomAttribute("data-to-state")).toList();
    }

    private static List<String> texts(final WebElement in, final String css) {
        return in.findElements(By.cssSelector(css)).stream().map(WebElement::getText).toList();
    }

    private static void search(final WebDriver browser, final String text) {
        final WebElement box = browser.findElement(By.id("search"));
        box.clear();
        box.sendKeys(text);
    }

    /** The first page of states, as the dashboard asks for it. */
    private JsonNode overview(final int port) throws Exception {
        final HttpResponse<String> r = raw("http://127.0.0.1:" + port + "/api/state?limit=1000", TOKEN);
        return r.statusCode() == 200 ? RecordJson.mapper().readTree(r.body()) : RecordJson.mapper().createObjectNode();
    }

    private String overviewState(final int port, final String key) throws Exception {
        return entry(overview(port), key).path("state").asText();
    }

    private static JsonNode entry(final JsonNode overview, final String key) {
        for (final JsonNode t : overview.path("items")) {
            if (t.path("key").asText().equals(key)) {
                return t;
            }
        }
        return RecordJson.mapper().createObjectNode();
    }

    private HttpResponse<String> raw(final String url, final String token) throws Exception {
        final HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void send(final KafkaProducer<String, byte[]> producer, final String topic, final String key, final byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get();
    }

    private static Target target(final String ip, final int port, final Map<String, String> labels) {
        return Target.newBuilder().setId(ip + ":" + port).setHost(ip).setPorts(List.of(port)).setLabels(labels)
                .setIntervalSeconds(3600).setCreatedAtMs(System.currentTimeMillis()).build();
    }

    /** A result as the worker publishes it, with the labels of its target (copied from the request). */
    private ProbeResult result(final String ip, final int port, final String vantage, final Zone zone, final Outcome outcome) {
        final Map<String, String> labels = switch (ip + ":" + port) {
            case LEAKY -> Map.of("site", "paris", "note", MARKUP);
            case AXI -> Map.of("site", "berlin");
            default -> Map.of("site", "paris");
        };
        return ProbeResult.newBuilder().setRequestId("r-" + requests.incrementAndGet()).setTargetId(ip + ":" + port).setHost(ip).setIp(ip)
                .setLabels(labels)
                .setPort(port).setVantage(vantage).setZone(zone).setOutcome(outcome)
                .setMilter(outcome == Outcome.MILTER ? MilterHandshake.newBuilder().setVersion(6).setActions(0x1F).setProtocol(0x7F).build() : null)
                .setProduct(outcome == Outcome.AXIMILTER ? "AXIGEN AXIMilter" : null)
                .setTotalMs(1).setProbedAtMs(System.currentTimeMillis()).build();
    }

    private static FirewallEvent blocked(final String src, final String dst, final int port) {
        final long now = System.currentTimeMillis();
        return FirewallEvent.newBuilder().setTimestampMs(now).setAction(FirewallAction.DROP).setRawAction("BLOCK").setProtocol("tcp")
                .setSrcIp(src).setSrcPort(40000).setDstIp(dst).setDstPort(port).setDevice("fw1").setRule("[UFW BLOCK] ").setFormat("netfilter")
                .setLine("fw1 kernel: [UFW BLOCK] IN=eth0 SRC=" + src + " DST=" + dst + " PROTO=TCP SPT=40000 DPT=" + port)
                .build();
    }

    private ProcessorConfig config(final KafkaCluster cluster, final String prefix, final int port) {
        return ProcessorConfig.from(Settings.load(ProcessorSettings.all(), null, Map.of(), Map.of(
                "bootstrap.servers", cluster.bootstrapServers(), "topic.prefix", prefix, "processor.application.id", prefix + "-app",
                "processor.state.dir", stateDir.toString(), "processor.http.port", Integer.toString(port), "processor.http.token", TOKEN),
                Set.of()));
    }
}
