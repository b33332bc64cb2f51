import FlyingFox
import FlyingSocks
import Foundation
import Interchange

/// The viewer's HTTP server: 127.0.0.1 only, every request carrying the session's random
/// token (`?token=`; 403 without it, so other users of the machine cannot read the
/// patient's mesh), nothing logged (paths carry the token), nothing cached.
///
/// Routes: `GET /` the page; `GET /api/scene` the scene (JSON); `GET /api/mesh/NAME` a
/// mesh's buffers; `GET /api/texture/N` a texture image; `POST /api/pick` a ray → the
/// surface point; `POST /api/measure` landmarks → the plan's values; `POST /api/landmarks`
/// landmarks → saved.
public struct ViewerServer: Sendable {
    public let session: ViewerSession
    /// 32 random bytes, hex.
    public let token: String

    public init(session: ViewerSession, token: String = ViewerServer.randomToken()) {
        self.session = session; self.token = token
    }

    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// Serves until the task is cancelled. `listening` gets the port once the socket is
    /// bound (`port` 0: any free one).
    public func run(port: UInt16, listening: @escaping @Sendable (UInt16) -> Void) async throws {
        let server = HTTPServer(address: try sockaddr_in.inet(ip4: "127.0.0.1", port: port), timeout: 60, logger: .disabled)
        let routes: [(String, @Sendable (HTTPRequest) async throws -> HTTPResponse)] = [
            ("GET /", { _ in Self.reply(Data(ViewerPage.html.utf8), type: "text/html; charset=utf-8") }),
            ("GET /api/scene", { _ in Self.reply(try Self.json(session.scene), type: "application/json") }),
            ("GET /api/mesh/:name", { request in
                guard let name = request.path.split(separator: "/").last, let data = session.buffers[String(name)] else { return Self.status(.notFound) }
                return Self.reply(data, type: "application/octet-stream")
            }),
            ("GET /api/texture/:index", { request in
                guard let last = request.path.split(separator: "/").last, let i = Int(last), session.textures.indices.contains(i) else { return Self.status(.notFound) }
                return Self.reply(session.textures[i], type: "image/jpeg")
            }),
            ("POST /api/pick", { request in
                let ray = try await Self.decode(ViewerSession.PickRequest.self, from: request)
                return Self.reply(try Self.json(session.pick(ray)), type: "application/json")
            }),
            ("POST /api/measure", { request in
                let body = try await Self.decode(ViewerSession.SaveRequest.self, from: request)
                return Self.reply(try Self.json(try session.measure(body.landmarks)), type: "application/json")
            }),
            ("POST /api/landmarks", { request in
                let body = try await Self.decode(ViewerSession.SaveRequest.self, from: request)
                return Self.reply(try Self.json(try session.save(body)), type: "application/json")
            }),
        ]
        for (route, handler) in routes {
            await server.appendRoute(HTTPRoute(stringLiteral: route)) { [token] request in
                guard Self.authorised(request, token: token) else { return Self.status(.forbidden) }
                do { return try await handler(request) } catch let e as FileProblem {
                    return Self.reply(Data(e.problem.utf8), type: "text/plain; charset=utf-8", status: .badRequest)
                } catch let e as TrinocularError {
                    return Self.reply(Data(e.description.utf8), type: "text/plain; charset=utf-8", status: .badRequest)
                } catch {
                    return Self.reply(Data("\(error)".utf8), type: "text/plain; charset=utf-8", status: .badRequest)
                }
            }
        }
        // Anything else: 403 without the token, 404 with it.
        await server.appendRoute("*") { [token] request in Self.status(Self.authorised(request, token: token) ? .notFound : .forbidden) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            group.addTask {
                try await server.waitUntilListening()
                if case let .ip4(_, bound) = await server.listeningAddress { listening(bound) }
            }
            try await group.next()
            try await group.next()
        }
    }

    /// The token matches (compared in constant time) and the request names this machine's
    /// loopback as its host (no DNS-rebound page can reach the server).
    static func authorised(_ request: HTTPRequest, token: String) -> Bool {
        guard let given = request.query["token"], given.utf8.count == token.utf8.count else { return false }
        let same = zip(given.utf8, token.utf8).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
        let host = request.headers[.host]?.split(separator: ":").first.map(String.init) ?? ""
        return same && (host == "127.0.0.1" || host == "localhost")
    }

    static func reply(_ body: Data, type: String, status: HTTPStatusCode = .ok) -> HTTPResponse {
        HTTPResponse(statusCode: status, headers: [
            .contentType: type,
            .cacheControl: "no-store",
            HTTPHeader("Referrer-Policy"): "no-referrer",
            HTTPHeader("X-Content-Type-Options"): "nosniff",
            // The page talks to this server only: no other origin, no remote script or image.
            HTTPHeader("Content-Security-Policy"): "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' blob:",
        ], body: body)
    }

    static func status(_ code: HTTPStatusCode) -> HTTPResponse {
        reply(Data("\(code.code) \(code.phrase)\n".utf8), type: "text/plain; charset=utf-8", status: code)
    }

    static func json<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try encoder.encode(value)
    }

    /// A JSON body of at most 1 MB. - Throws: `ViewerRequestError` when it is not one.
    static func decode<T: Decodable>(_ type: T.Type, from request: HTTPRequest) async throws -> T {
        let body = try await request.bodyData
        guard body.count <= 1 << 20 else { throw ViewerRequestError(file: "the request", problem: "is larger than 1 MB") }
        do { return try JSONDecoder().decode(type, from: body) } catch {
            throw ViewerRequestError(file: "the request", problem: "is not the JSON this route takes")
        }
    }
}

/// A request the viewer's page should not have sent.
public typealias ViewerRequestError = FileProblem
