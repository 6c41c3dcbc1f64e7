import Foundation
import Testing

@testable import ChargebackKit

@Suite("Reading files, directories, NDJSON, gzip, standard input")
struct InputReaderTests {
    func gzip(_ text: String) throws -> Data {
        let dir = try TempDir()
        let f = try dir.write("x", text)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-n", "-k", f.path]
        try p.run()
        p.waitUntilExit()
        return try Data(contentsOf: dir.url.appendingPathComponent("x.gz"))
    }

    func read(_ dir: TempDir, _ paths: [String] = ["in"], stdin: String = "") throws -> ReadResult {
        let plan = try InputPlan(paths: paths, workingDirectory: dir.url)
        return InputReader(decoder: DocumentDecoder(inputZone: .utc), threads: 2, standardInput: { Data(stdin.utf8) }).read(plan)
    }

    func job(_ n: Int) -> String {
        docA(["sessionLogUrl": "l/jobs/JOB\(n)/logs", "runId": n])
    }

    @Test("a directory is walked recursively in byte-wise path order; other files are skipped")
    func directory() throws {
        let dir = try TempDir()
        try dir.write("in/b.json", job(1))
        try dir.write("in/a/z.ndjson", job(2) + "\n\n" + job(3) + "\r\n")
        try dir.write("in/B.jsonl", job(4))
        try dir.write("in/notes.txt", "hello")
        try dir.write("in/chargeback.yaml", "currency: USD")
        let r = try read(dir)
        #expect(r.files.map(\.path) == ["in/B.jsonl", "in/a/z.ndjson", "in/b.json"])
        #expect(r.files.map(\.documents) == [1, 2, 1])
        #expect(r.skippedFiles == ["in/chargeback.yaml", "in/notes.txt"])
        #expect(r.documents.map(\.source.description) == ["in/B.jsonl:1", "in/a/z.ndjson:1", "in/a/z.ndjson:3", "in/b.json"])
        #expect(r.documentsRead == 4)
    }

    @Test("a JSON array: each element is a document at path#index")
    func array() throws {
        let dir = try TempDir()
        try dir.write("in/a.json", "[\n  \(job(1)),\n  7,\n  \(job(2))\n]")
        let r = try read(dir)
        #expect(r.documents.map(\.source.description) == ["in/a.json#0", "in/a.json#2"])
        #expect(r.rejects.map(\.source.description) == ["in/a.json#1"])
        #expect(r.rejects.map(\.reason.code) == ["not_an_object"])
        #expect(r.documents[0].text == job(1))
    }

    @Test("empty .json is malformed_json; [] holds no documents; an NDJSON array line is not_an_object")
    func emptyAndArrays() throws {
        let dir = try TempDir()
        try dir.write("in/empty.json", "  \n")
        try dir.write("in/none.json", "[]")
        try dir.write("in/lines.ndjson", job(1) + "\n[" + job(2) + "]\n{broken\n")
        let r = try read(dir)
        #expect(
            r.rejects.map { "\($0.source) \($0.reason)" } == [
                "in/empty.json malformed_json", "in/lines.ndjson:2 not_an_object", "in/lines.ndjson:3 malformed_json",
            ])
        #expect(r.files.first { $0.path == "in/none.json" }?.documents == 0)
        #expect(r.documentsRead == 4)
    }

    @Test("gzip: inner extension decides, a bare .gz is sniffed, notes.txt.gz is skipped")
    func gzipFiles() throws {
        let dir = try TempDir()
        try dir.write("in/a.ndjson.gz", try gzip(job(1) + "\n" + job(2) + "\n"))
        try dir.write("in/b.json.gz", try gzip("[" + job(3) + "]"))
        try dir.write("in/c.gz", try gzip(job(4) + "\n" + job(5)))
        try dir.write("in/notes.txt.gz", try gzip("not json"))
        try dir.write("in/d.JSON.GZ", Data("not gzip at all".utf8))
        let r = try read(dir)
        #expect(r.documents.map(\.source.description) == ["in/a.ndjson.gz:1", "in/a.ndjson.gz:2", "in/b.json.gz#0", "in/c.gz:1", "in/c.gz:2"])
        #expect(r.skippedFiles == ["in/notes.txt.gz"])
        #expect(r.rejects.map { "\($0.source) \($0.reason)" } == ["in/d.JSON.GZ unreadable_file"])
        // The digest is of the bytes on disk.
        #expect(r.files.first { $0.path == "in/a.ndjson.gz" }!.bytes == Int64(try Data(contentsOf: dir.url.appendingPathComponent("in/a.ndjson.gz")).count))
    }

    @Test("gzip data under a plain name is recognised by its magic number")
    func gzipMagic() throws {
        let dir = try TempDir()
        try dir.write("in/mislabelled.ndjson", try gzip(job(1) + "\n" + job(2) + "\n"))
        let r = try read(dir)
        #expect(r.documents.map(\.source.description) == ["in/mislabelled.ndjson:1", "in/mislabelled.ndjson:2"])
        #expect(r.rejects.isEmpty)
    }

    @Test("an explicitly named file with another extension is sniffed: JSON first, else lines")
    func sniffNamed() throws {
        let dir = try TempDir()
        try dir.write("one.txt", "{\n \"status\": \"RUNNING\", \"sessionLogUrl\": \"x/jobs/J1/logs\"\n}")
        try dir.write("many.log", job(1) + "\n" + job(2))
        let r = try read(dir, ["one.txt", "many.log"])
        #expect(r.documents.map(\.source.description) == ["many.log:1", "many.log:2", "one.txt"])
    }

    @Test("standard input: array, single object over several lines, or NDJSON")
    func standardInput() throws {
        let dir = try TempDir()
        #expect(try read(dir, ["-"], stdin: "[" + job(1) + "," + job(2) + "]").documents.map(\.source.description) == ["-#0", "-#1"])
        #expect(try read(dir, ["-"], stdin: "{\n\"status\":\"RUNNING\",\n\"sessionLogUrl\":\"x/jobs/J/logs\"}\n").documents.map(\.source.description) == ["-"])
        #expect(
            try read(dir, ["-"], stdin: job(1) + "\n" + job(2) + "\n").documents.map(\.source.description) == ["--:1", "--:2"].map { String($0.dropFirst()) })
    }

    @Test("an unreadable file is one document and one reject; the run goes on")
    func unreadable() throws {
        guard getuid() != 0 else {
            // root reads everything; use a directory in place of a file instead.
            let dir = try TempDir()
            try dir.write("in/ok.json", job(1))
            try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("in/trap.json"), withIntermediateDirectories: true)
            let fifo = dir.url.appendingPathComponent("in/sub/x.json")
            try FileManager.default.createDirectory(at: fifo.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: fifo.path, withDestinationPath: "/proc/self/mem")
            let r = try read(dir)
            #expect(r.documents.count == 1)
            #expect(r.rejects.map { "\($0.source) \($0.reason)" } == ["in/sub/x.json unreadable_file"])
            return
        }
        let dir = try TempDir()
        let f = try dir.write("in/secret.json", job(1))
        chmod(f.path, 0)
        let r = try read(dir)
        #expect(r.rejects.map(\.reason.code) == ["unreadable_file"])
    }

    @Test("a large NDJSON file parsed in parallel parts gives the same documents, lines and rejects")
    func parallelParts() throws {
        let dir = try TempDir()
        var lines: [String] = []
        for i in 0..<9000 {
            if i % 997 == 0 {
                lines.append("{broken \(i)")
            } else if i % 1999 == 0 {
                lines.append("")
            } else {
                lines.append(docA(["sessionLogUrl": "l/jobs/J\(i)/logs", "runId": i, "errorMessage": String(repeating: "x", count: 300)]))
            }
        }
        let text = lines.joined(separator: "\n")
        #expect(text.utf8.count > 4 << 20)
        try dir.write("in/big.ndjson", text)
        let plan = try InputPlan(paths: ["in"], workingDirectory: dir.url)
        let one = InputReader(decoder: DocumentDecoder(inputZone: .utc), threads: 1).read(plan)
        let four = InputReader(decoder: DocumentDecoder(inputZone: .utc), threads: 4).read(plan)
        #expect(one.documents.count == 8986)
        #expect(one.rejects.map(\.source.description) == (0..<9000).filter { $0 % 997 == 0 }.map { "in/big.ndjson:\($0 + 1)" })
        #expect(four.documents.map(\.source) == one.documents.map(\.source))
        #expect(four.documents.map(\.content) == one.documents.map(\.content))
        #expect(four.rejects == one.rejects)
        #expect(four.files == one.files)
        // Small blocks: lines cut across block boundaries are joined, and the digest is of the file.
        var small = InputReader(decoder: DocumentDecoder(inputZone: .utc), threads: 2)
        small.blockSize = 65_536
        let blocks = small.read(plan)
        #expect(blocks.documents.map(\.source) == one.documents.map(\.source))
        #expect(blocks.rejects == one.rejects)
        #expect(blocks.files == one.files)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        p.arguments = [dir.url.appendingPathComponent("in/big.ndjson").path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let sum = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
        p.waitUntilExit()
        #expect(one.files[0].sha256 == String(sum))
        #expect(one.files[0].bytes == Int64(text.utf8.count))
    }

    @Test("a file named directly, through its directory and through a path with '..' is read once, under its first path")
    func namedTwice() throws {
        let dir = try TempDir()
        try dir.write("in/a.json", job(1))
        try dir.write("in/b.ndjson", job(2))
        let r = try read(dir, ["in/a.json", "in", "in/../in/b.ndjson"])
        #expect(r.files.map(\.path) == ["in/../in/b.ndjson", "in/a.json"])
        #expect(r.documents.map(\.jobId) == ["JOB2", "JOB1"])
    }

    @Test("a missing input path is a usage error naming it")
    func missing() throws {
        let dir = try TempDir()
        #expect(throws: InputError.noSuchPath("nope")) { try InputPlan(paths: ["nope"], workingDirectory: dir.url) }
    }

    @Test("fetch-archive envelopes are read like any other directory")
    func archive() throws {
        let dir = try TempDir()
        let resp = docA(["orgId": nil])
        try dir.write(
            "in/fetch-20261101T000000Z.ndjson",
            "{\"jobId\":\"JOB9\",\"orgId\":\"ORG\",\"fetchedAt\":\"2026-11-01T00:00:00.000Z\",\"httpStatus\":200,\"response\":\(resp)}\n")
        let r = try read(dir)
        #expect(r.documents.count == 1)
        #expect(r.documents[0].orgId == "ORG")
        #expect(r.documents[0].text == resp)
    }
}
