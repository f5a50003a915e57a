import Testing
import TokenVaultJSON

/// Decoding request bodies: typed fields, missing and unknown ones, and messages that name
/// fields but never show values.
@Suite("Object reader")
struct ObjectReaderTests {
    let body: JSON = [
        "name": "erp", "expires_at": 1_767_225_600, "legacy": false, "tags": ["a", "b"], "note": .null,
        "labels": ["team": "billing", "secret": "s3cr3t-value"],
    ]

    @Test("required and optional fields of each kind")
    func typedFields() throws {
        var reader = try JSONObjectReader(body)
        #expect(reader.keys == ["name", "expires_at", "legacy", "tags", "note", "labels"])
        #expect(try reader.string("name") == "erp")
        #expect(try reader.int64("expires_at") == 1_767_225_600)
        #expect(try reader.bool("legacy") == false)
        #expect(try reader.array("tags") == ["a", "b"])
        #expect(try reader.optionalString("note") == nil)  // null reads as absent
        #expect(try reader.optionalInt64("missing") == nil)
        #expect(try reader.optionalBool("missing") == nil)
        #expect(try reader.optionalArray("missing") == nil)
        #expect(try reader.optionalObject("missing") == nil)
        var labels = try reader.object("labels")
        #expect(try labels.string("team") == "billing")
        #expect(try labels.optionalString("secret") == "s3cr3t-value")
        try labels.refuseUnknownFields()
        try reader.refuseUnknownFields()
    }

    @Test("a missing required field is named")
    func missing() throws {
        var reader = try JSONObjectReader(body)
        #expect(throws: JSONError("missing field 'id'")) { try reader.string("id") }
        #expect(throws: JSONError("missing field 'id'")) { try reader.value("id") }
        var labels = try reader.object("labels")
        #expect(throws: JSONError("missing field 'labels.owner'")) { try labels.int64("owner") }
    }

    @Test("a field of the wrong kind is named with both kinds, not its value")
    func wrongKind() throws {
        var reader = try JSONObjectReader(body)
        #expect(throws: JSONError("field 'name' must be an integer, not a string")) { try reader.int64("name") }
        #expect(throws: JSONError("field 'expires_at' must be a string, not an integer")) { try reader.optionalString("expires_at") }
        #expect(throws: JSONError("field 'note' must be a boolean, not null")) { try reader.bool("note") }
        #expect(throws: JSONError("field 'tags' must be an object, not an array")) { try reader.object("tags") }
        #expect(throws: JSONError("field 'legacy' must be an array, not a boolean")) { try reader.optionalArray("legacy") }
        var labels = try reader.object("labels")
        #expect(throws: JSONError("field 'labels.secret' must be an integer, not a string")) { try labels.int64("secret") }
        #expect(throws: JSONError("expected an object, not an array")) { try JSONObjectReader(["a"]) }
    }

    @Test("an unread field is refused by name, cleaned, once asked")
    func unknownFields() throws {
        var reader = try JSONObjectReader(body)
        _ = try reader.string("name")
        #expect(throws: JSONError("unknown field 'expires_at'")) { try reader.refuseUnknownFields() }
        var labels = try reader.object("labels")
        _ = try labels.string("team")
        #expect(throws: JSONError("unknown field 'labels.secret'")) { try labels.refuseUnknownFields() }

        var hostile = try JSONObjectReader(JSON.parse("{\"\\u001b]0;x\\u0007\":\"v\"}".utf8))
        #expect(hostile.contains("\u{1B}]0;x\u{7}") && !hostile.contains("x"))
        #expect(throws: JSONError("unknown field '?]0;x?'")) { try hostile.refuseUnknownFields() }
        _ = hostile.optionalValue("\u{1B}]0;x\u{7}")
        try hostile.refuseUnknownFields()
    }

    @Test("no error message holds a value")
    func noValues() throws {
        var reader = try JSONObjectReader(body)
        var labels = try reader.object("labels")
        let errors = [
            Result { () throws(JSONError) in _ = try labels.int64("secret") },
            Result { () throws(JSONError) in _ = try labels.bool("secret") },
            Result { () throws(JSONError) in _ = try labels.optionalArray("secret") },
            Result { () throws(JSONError) in _ = try reader.int64("labels") },
        ]
        for case .failure(let error) in errors {
            #expect(!error.message.contains("s3cr3t") && !error.message.contains("billing"))
        }
        #expect(errors.allSatisfy { (try? $0.get()) == nil })
    }
}
