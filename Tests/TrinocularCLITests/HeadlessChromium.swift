import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Headless Chromium driven over the DevTools protocol through `--remote-debugging-pipe`
/// (commands in on fd 3, answers out on fd 4, each a JSON message ended by a NUL byte): a
/// real browser with real mouse events, and no WebSocket client needed.
final class HeadlessChromium {
    struct Failure: Error, CustomStringConvertible { var description: String }

    /// Debian's `chromium` (scripts/install-deps), or another Chromium on PATH.
    static var executable: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") { return "\(dir)/\(name)" }
        }
        return nil
    }

    private let pid: pid_t
    private let commands: Int32, answers: Int32
    private var buffer: [UInt8] = []
    private var nextID = 1
    private var session: String?
    private let profile: URL

    /// Starts the browser with a page `width` × `height` CSS pixels at one device pixel each.
    init(width: Int, height: Int) throws {
        guard let chromium = Self.executable else { throw Failure(description: "no chromium on PATH (scripts/install-deps installs it)") }
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("trinocular-chromium-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        var toChild: [Int32] = [0, 0], fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { throw Failure(description: "pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 3)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 4)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments = [chromium, "--headless", "--no-sandbox", "--remote-debugging-pipe", "--enable-unsafe-swiftshader",
                         "--use-angle=swiftshader", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                         "--user-data-dir=\(profile.path)", "--window-size=\(width),\(height)", "about:blank"]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, chromium, &actions, nil, &argv, environ)
        close(toChild[0]); close(fromChild[1])
        guard spawned == 0 else { throw Failure(description: "cannot start \(chromium): \(spawned)") }
        pid = child; commands = toChild[1]; answers = fromChild[0]
        let target = try call("Target.createTarget", ["url": "about:blank"], inSession: false)
        let attached = try call("Target.attachToTarget", ["targetId": target["targetId"] as? String ?? "", "flatten": true], inSession: false)
        session = attached["sessionId"] as? String
        _ = try call("Emulation.setDeviceMetricsOverride", ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": false])
    }

    deinit {
        close(commands); close(answers)
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        try? FileManager.default.removeItem(at: profile)
    }

    /// Sends a DevTools command and returns its result. - Throws: the browser's error, or
    /// after `timeout` seconds without an answer.
    @discardableResult
    func call(_ method: String, _ params: [String: Any] = [:], inSession: Bool = true, timeout: Double = 30) throws -> [String: Any] {
        let id = nextID; nextID += 1
        var message: [String: Any] = ["id": id, "method": method, "params": params]
        if inSession, let session { message["sessionId"] = session }
        let bytes = [UInt8](try JSONSerialization.data(withJSONObject: message)) + [0]
        let total = bytes.count
        var sent = 0
        while sent < total {
            let n = bytes.withUnsafeBytes { write(commands, $0.baseAddress! + sent, total - sent) }
            guard n > 0 else { throw Failure(description: "the browser stopped reading (\(method))") }
            sent += n
        }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let answer = try readMessage(until: deadline, method: method)
            guard answer["id"] as? Int == id else { continue }   // events and others' answers
            if let error = answer["error"] as? [String: Any] { throw Failure(description: "\(method): \(error["message"] ?? error)") }
            return answer["result"] as? [String: Any] ?? [:]
        }
    }

    private func readMessage(until deadline: Date, method: String) throws -> [String: Any] {
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let data = Data(buffer[..<end])
                buffer.removeSubrange(...end)
                if let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] { return object }
                continue
            }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw Failure(description: "no answer to \(method)") }
            var poller = pollfd(fd: answers, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(min(left, 1) * 1000)) >= 0 else { throw Failure(description: "poll failed") }
            guard poller.revents != 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let n = chunk.withUnsafeMutableBytes { read(answers, $0.baseAddress!, $0.count) }
            guard n > 0 else { throw Failure(description: "the browser closed the pipe (\(method))") }
            buffer += chunk[..<n]
        }
    }

    /// Evaluates a JavaScript expression in the page and returns its value.
    func evaluate(_ expression: String) throws -> Any? {
        let result = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true])
        if let exception = result["exceptionDetails"] { throw Failure(description: "\(expression): \(exception)") }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Waits until `expression` is true in the page.
    func wait(for expression: String, timeout: Double = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try evaluate(expression) as? Bool == true { return }
            usleep(100_000)
        }
        throw Failure(description: "waited \(timeout) s for \(expression)")
    }

    func navigate(_ url: String) throws { try call("Page.navigate", ["url": url]) }

    /// A left click (press and release, no movement) at CSS pixel coordinates.
    func click(x: Double, y: Double) throws {
        try call("Input.dispatchMouseEvent", ["type": "mouseMoved", "x": x, "y": y])
        try call("Input.dispatchMouseEvent", ["type": "mousePressed", "x": x, "y": y, "button": "left", "clickCount": 1])
        try call("Input.dispatchMouseEvent", ["type": "mouseReleased", "x": x, "y": y, "button": "left", "clickCount": 1])
    }

    /// The page as PNG bytes.
    func screenshot() throws -> Data {
        let result = try call("Page.captureScreenshot", ["format": "png"])
        guard let text = result["data"] as? String, let data = Data(base64Encoded: text) else { throw Failure(description: "no screenshot") }
        return data
    }
}

/// One HTTP/1.1 GET on 127.0.0.1 with a raw socket: the status code.
func loopbackStatus(port: Int, path: String) throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw HeadlessChromium.Failure(description: "socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard connected == 0 else { throw HeadlessChromium.Failure(description: "cannot connect to port \(port)") }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
    var response: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n <= 0 { break }
        response += chunk[..<n]
        if response.count > 12 { break }
    }
    let line = String(decoding: response.prefix(12), as: UTF8.self)   // "HTTP/1.1 403"
    return Int(line.dropFirst(9).prefix(3)) ?? -1
}

/// The local addresses (hex, as /proc/net/tcp writes them) listening on `port`, IPv4 and IPv6.
func listeningAddresses(port: Int) -> [String] {
    let hexPort = String(format: "%04X", port)
    return ["/proc/net/tcp", "/proc/net/tcp6"].flatMap { file -> [String] in
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 3, fields[3] == "0A" else { return nil }   // LISTEN
            let local = fields[1].split(separator: ":")
            return local.count == 2 && local[1] == hexPort ? String(local[0]) : nil
        }
    }
}
