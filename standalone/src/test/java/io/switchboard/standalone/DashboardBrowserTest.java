package io.switchboard.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.client.ActiveSpan;
import io.switchboard.client.Scope;
import io.switchboard.client.Switchboard;
import io.switchboard.client.SwitchboardOptions;
import io.switchboard.common.auth.DevTokens;
import io.switchboard.common.auth.Role;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.Node;
import io.switchboard.common.model.Span;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in headless Chromium (Debian's chromium and chromium-driver, or the Chrome and chromedriver that
 * SWITCHBOARD_CHROME and SWITCHBOARD_CHROMEDRIVER name) against a running `./switchboard
 * demo` process: every view shows real data, the services view follows registrations live, a log sent moments
 * before is found and its trace opens, a rollback changes the strategy, bad tokens get their message, and no view
 * writes an error to the console. Screenshots of each view go to target/screenshots.
 */
class DashboardBrowserTest {
    /** Debian's by default; a runner that has Chrome and its driver elsewhere names them (.github/workflows). */
    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("SWITCHBOARD_CHROME", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("SWITCHBOARD_CHROMEDRIVER",
            "/usr/bin/chromedriver"));
    private static final Path SCREENSHOTS = Path.of("target/screenshots");
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static DemoProcess demo;
    private static String base;
    private static String operatorToken;
    private static String clientToken;
    private WebDriver browser;

    @BeforeAll
    static void startDemo() throws Exception {
        assertThat(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER))
                .as("the browser tests need Debian's chromium and chromium-driver: apt-get install -y chromium "
                        + "chromium-driver (./switchboard test and .ci/run install them when they can)").isTrue();
        // Long rollout steps, so that the healthy inventory rollout is still running when its view is looked at.
        demo = new DemoProcess("-Dswitchboard.demo.bad-after=20s", "-Dswitchboard.demo.rollout-interval=300s");
        base = demo.base;
        operatorToken = demo.operatorToken;
        clientToken = demo.clientToken;
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void stopDemo() throws Exception {
        if (demo != null) {
            demo.close();
        }
    }

    @BeforeEach
    void openBrowser() {
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--window-size=1400,900", "--hide-scrollbars");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    private void signedIn(String view) {
        browser.get(base + "/?token=" + operatorToken + "#/" + view);
        until(By.id("tenant"));
        assertThat(browser.getCurrentUrl()).as("the token leaves the address bar").doesNotContain("token=");
    }

    private WebElement until(By by) {
        return new WebDriverWait(browser, WAIT).until(d -> {
            List<WebElement> found = d.findElements(by);
            return found.isEmpty() ? null : found.getFirst();
        });
    }

    /** The text of the first element {@code by} finds; a row the page re-renders meanwhile is looked up again. */
    private String textOf(By by) {
        return new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class).until(d -> {
            List<WebElement> found = d.findElements(by);
            return found.isEmpty() ? null : found.getFirst().getText();
        });
    }

    /** Clicks the first element {@code by} finds, looking it up again if the page re-renders it first. */
    private void click(By by) {
        new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class).until(d -> {
            List<WebElement> found = d.findElements(by);
            if (found.isEmpty()) {
                return false;
            }
            found.getFirst().click();
            return true;
        });
    }

    private void screenshot(String name) throws IOException {
        Files.write(SCREENSHOTS.resolve(name + ".png"), ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }

    private void noConsoleErrors() {
        List<String> errors = new ArrayList<>();
        for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
            if (e.getLevel().intValue() >= Level.SEVERE.intValue()) {
                errors.add(e.getMessage());
            }
        }
        assertThat(errors).as("errors in the browser console").isEmpty();
    }

    private static Switchboard client() {
        return client("browser-check");
    }

    private static Switchboard client(String service) {
        return Switchboard.connect(URI.create(base.replace("http", "ws")), () -> clientToken,
                SwitchboardOptions.defaults().withIdentity(service, "prod", service + "-1")
                        .withReconnect(Duration.ofMillis(200), Duration.ofSeconds(2)));
    }

    @Test
    void servicesViewShowsTheDemoAndFollowsRegistrationsLive() throws Exception {
        signedIn("services");
        until(By.cssSelector("tr[data-node-id='payments-1']"));
        assertThat(browser.findElements(By.cssSelector("tr[data-node-id]"))).hasSizeGreaterThanOrEqualTo(10);
        assertThat(textOf(By.cssSelector("tr[data-service='orders']"))).contains("1.2.0").contains("1.3.0");
        try (Switchboard client = client()) {
            client.discovery().register(new Node(null, "search-7", "search", "1.0.0", "10.9.9.9:80", "prod", Map.of()))
                    .get(30, TimeUnit.SECONDS);
            assertThat(textOf(By.cssSelector("tr[data-node-id='search-7']"))).contains("10.9.9.9:80").contains("healthy");
            screenshot("services");
        }
        // Closing the client deregisters its node; the page hears it without a reload.
        new WebDriverWait(browser, WAIT).until(d -> d.findElements(By.cssSelector("tr[data-node-id='search-7']")).isEmpty());
        noConsoleErrors();
    }

    @Test
    void healthAndDependencyViewsDrawTheDemoTraffic() throws Exception {
        signedIn("health");
        // Spans are searchable a few seconds after they are sent: until the demo's are, refresh now and then.
        new WebDriverWait(browser, Duration.ofSeconds(60)).pollingEvery(Duration.ofSeconds(3)).until(d -> {
            if (d.findElements(By.cssSelector(".service-health[data-service='orders'] polyline")).isEmpty()) {
                ((JavascriptExecutor) d).executeScript("document.querySelector('form.filters button').click()");
                return false;
            }
            return true;
        });
        assertThat(browser.findElement(By.cssSelector(".service-health[data-service='payments'] h2")).getText()).contains("requests");
        screenshot("health");
        noConsoleErrors();

        browser.get(base + "/#/graph");
        until(By.cssSelector("path.edge[data-from='orders'][data-to='payments']"));
        until(By.cssSelector("path.edge[data-from='gateway'][data-to='orders']"));
        assertThat(browser.findElement(By.id("graph")).getText()).contains("calls");
        screenshot("dependencies");
        noConsoleErrors();
    }

    @Test
    void aLogSentMomentsBeforeIsFoundAndItsTraceOpens() throws Exception {
        String marker = "browser-check-" + UUID.randomUUID().toString().substring(0, 8);
        try (Switchboard client = client()) {
            ActiveSpan span = client.tracing().startSpan("GET /browser-check", Span.SpanKind.SERVER, null);
            try (Scope scope = span.makeCurrent()) {
                client.tracing().log(io.switchboard.common.model.Level.WARN, "check", "slow answer " + marker);
            }
            span.attribute("check", marker).end();
            client.tracing().flush(Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);
        }
        signedIn("logs");
        WebElement q = until(By.id("logs-q"));
        q.sendKeys(marker);
        // Events are searchable a few seconds after they are sent: search again until it is there.
        new WebDriverWait(browser, Duration.ofSeconds(60)).pollingEvery(Duration.ofSeconds(2)).ignoring(StaleElementReferenceException.class)
                .until(d -> {
                    List<WebElement> rows = d.findElements(By.cssSelector("#logs-results tr.log-row"));
                    if (rows.size() == 1 && rows.getFirst().getText().contains(marker)) {
                        return true;
                    }
                    d.findElement(By.id("logs-search")).click();
                    return false;
                });
        screenshot("logs");
        browser.findElement(By.cssSelector("#logs-results a.trace-link")).click();
        assertThat(textOf(By.cssSelector("#waterfall .span-row"))).contains("browser-check").contains("GET /browser-check");
        click(By.cssSelector("#waterfall .span-row"));
        assertThat(textOf(By.cssSelector("#waterfall .span-detail:not([hidden])"))).contains(marker);
        noConsoleErrors();

        // A demo trace, for the screenshot: several services deep, old enough (15 s) for every span to be searchable.
        String demoTrace = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            Instant now = Instant.now();
            return Json.parse(get("/api/v1/logs?q=confirmed&limit=1&from=" + now.minus(Duration.ofMinutes(10))
                    + "&to=" + now.minusSeconds(15))).at("/items/0/traceId").asText();
        }, id -> !id.isEmpty());
        browser.get(base + "/#/trace/" + demoTrace);
        new WebDriverWait(browser, WAIT).until(d -> d.findElements(By.cssSelector("#waterfall .span-row")).size() >= 5);
        screenshot("trace");
        noConsoleErrors();
    }

    @Test
    void theLiveTailShowsNewLogsAsTheyArrive() throws Exception {
        signedIn("logs");
        until(By.id("logs-service")).sendKeys("tail-check");
        browser.findElement(By.id("logs-search")).click();
        new WebDriverWait(browser, WAIT).until(d -> d.findElement(By.id("logs-status")).getText().equals("0 events"));
        browser.findElement(By.id("logs-tail")).click();
        new WebDriverWait(browser, WAIT).until(d -> d.findElement(By.id("logs-status")).getText().contains("live tail"));
        String marker = "tail-check-" + UUID.randomUUID().toString().substring(0, 8);
        try (Switchboard client = client("tail-check")) {
            client.tracing().log(io.switchboard.common.model.Level.INFO, "check", "arrived live " + marker);
            client.tracing().flush(Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);
        }
        new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class).until(d ->
                d.findElements(By.cssSelector("#logs-results tr.log-row")).stream().anyMatch(r -> r.getText().contains(marker)));
        // Only the filtered service streams in, not the demo's other logs.
        new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class).until(d ->
                d.findElements(By.cssSelector("#logs-results tr.log-row")).stream().allMatch(r -> r.getText().contains("tail-check")));
        noConsoleErrors();
    }

    @Test
    void aRollbackFromTheRoutingViewChangesTheStrategy() throws Exception {
        signedIn("routing");
        assertThat(textOf(By.cssSelector("tr.routing-row[data-service='orders'] .strategy"))).startsWith("canary");
        int before = Json.parse(get("/api/v1/routing/orders?environment=prod")).path("version").asInt();
        click(By.cssSelector("tr.routing-row[data-service='orders'] .history-button"));
        WebElement rollback = until(By.cssSelector(".rollback-button[data-version='1']"));
        screenshot("routing");
        rollback.click();
        assertThat(browser.switchTo().alert().getText()).contains("version 1");
        browser.switchTo().alert().accept();
        new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class).until(d -> {
            List<WebElement> rows = d.findElements(By.cssSelector("tr.routing-row[data-service='orders'] .strategy"));
            return !rows.isEmpty() && rows.getFirst().getText().equals("round-robin");
        });
        var current = Json.parse(get("/api/v1/routing/orders?environment=prod"));
        assertThat(current.path("version").asInt()).isEqualTo(before + 1);
        assertThat(current.path("rollbackOf").asInt()).isEqualTo(1);
        assertThat(current.at("/strategy/strategy").asText()).isEqualTo("round-robin");
        noConsoleErrors();
    }

    @Test
    void theCanaryViewShowsARolloutLiveAndAnOperatorPausesAndResumesIt() throws Exception {
        // The demo's bad payments candidate is rolled back by routing on its own, with no one touching anything.
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() ->
                get("/api/v1/routing/payments/history?environment=prod").contains("\"event\":\"rolled-back\""));
        signedIn("routing");
        assertThat(textOf(By.cssSelector("tr.routing-row[data-service='inventory'] .strategy")))
                .startsWith("progressive 1.0.4 → 1.1.0");
        click(By.cssSelector("tr.routing-row[data-service='inventory'] .canary-link"));
        assertThat(textOf(By.id("canary-step"))).startsWith("step 1 of 3: 10% to the candidate");
        assertThat(textOf(By.id("canary-versions"))).isEqualTo("1.0.4 → 1.1.0");
        // Both versions side by side with their figures, and three live charts with a line per version.
        new WebDriverWait(browser, Duration.ofSeconds(60)).ignoring(StaleElementReferenceException.class).until(d ->
                d.findElements(By.cssSelector(".canary-side .error-rate")).size() == 2
                        && d.findElements(By.cssSelector("#canary-charts polyline")).size() >= 6
                        // A few samples (one every 2 s), so that the lines show.
                        && d.findElements(By.cssSelector("#canary-charts polyline")).getFirst().getAttribute("points")
                                .split(" ").length >= 5);
        assertThat(textOf(By.id("canary-due"))).startsWith("next judgement in");
        assertThat(browser.findElements(By.cssSelector("#canary-moves-table .canary-move"))).isNotEmpty();
        screenshot("canary");
        click(By.id("canary-pause"));
        until(By.id("canary-paused"));
        assertThat(Json.parse(get("/api/v1/routing/inventory/progressive?environment=prod")).path("paused").asBoolean()).isTrue();
        assertThat(textOf(By.cssSelector("#canary-moves-table .canary-move"))).contains("paused by");
        click(By.id("canary-resume"));
        new WebDriverWait(browser, WAIT).until(d -> d.findElements(By.id("canary-paused")).isEmpty());
        assertThat(Json.parse(get("/api/v1/routing/inventory/progressive?environment=prod")).path("paused").asBoolean()).isFalse();
        // The rolled-back payments rollout shows its moves, and why it went.
        browser.get(base + "/#/canary/payments/prod");
        until(By.id("canary-none"));
        assertThat(textOf(By.cssSelector("#canary-moves-table .canary-move[data-event='rolled-back']"))).contains("error rate");
        noConsoleErrors();
    }

    @Test
    void badTokensGetAClearMessageNotABlankPage() throws Exception {
        browser.get(base + "/?token=not-a-token");
        assertThat(until(By.id("signin-error")).getText()).contains("not a token Switchboard can read");
        screenshot("sign-in");

        String expired = DevTokens.issue(DevTokens.DEV_SECRET, "dev", Role.OPERATOR, Duration.ofMinutes(1),
                Instant.now().minus(Duration.ofHours(1)));
        browser.get(base + "/?token=" + expired);
        new WebDriverWait(browser, WAIT).until(d -> d.findElement(By.id("signin-error")).getText().contains("expired"));

        browser.get(base + "/?token=" + clientToken);
        new WebDriverWait(browser, WAIT).until(d -> d.findElement(By.id("signin-error")).getText().contains("needs an operator token"));

        // Pasting a good one signs in.
        browser.findElement(By.id("token-input")).sendKeys(operatorToken);
        browser.findElement(By.id("signin-button")).click();
        assertThat(until(By.id("tenant")).getText()).isEqualTo("tenant dev");
        until(By.cssSelector("tr[data-node-id]"));
    }

    private static String get(String path) throws Exception {
        return demo.get(path);
    }
}
