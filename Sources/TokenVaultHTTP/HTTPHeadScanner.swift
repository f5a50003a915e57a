/// The search for the end of a message head (start line, header fields, the empty line) in a
/// buffer that grows as bytes arrive, shared by the request and response parsers.
///
/// It resumes where it stopped, so each byte is looked at once, and looks no further than the
/// head's limit. On the way it checks that every line ends with CRLF (no bare CR or LF) and
/// that the start line is within its own limit, even before the line's end arrives.
struct HTTPHeadScanner: Sendable {
    /// Why a head was refused; each parser maps these to its own error.
    enum Failure: Error {
        /// A CR not followed by LF, or an LF not preceded by CR.
        case bareLineEnding
        /// The start line (without its CRLF) is over ``maximumStartLineLength``.
        case startLineTooLong
        /// The head is over ``maximumHeadLength`` bytes.
        case headTooLarge
    }

    /// The longest head, from the start line to the empty line included.
    let maximumHeadLength: Int
    /// The longest start line, not counting its CRLF.
    let maximumStartLineLength: Int
    /// Where the search resumes.
    private var scanned = 0
    /// Whether the search has passed the CRLF that ends the start line.
    private var startLineEnded = false

    /// Creates a scanner with the two limits.
    init(maximumHeadLength: Int, maximumStartLineLength: Int) {
        self.maximumHeadLength = maximumHeadLength
        self.maximumStartLineLength = maximumStartLineLength
    }

    /// Searches `buffer` for the CRLF CRLF that ends the head starting at `start`.
    ///
    /// - Returns: the index after the empty line, or nil when more bytes are needed.
    /// - Throws: a ``Failure`` for a bare CR or LF, or a start line or head over its limit.
    mutating func findEnd(in buffer: [UInt8], from start: Int) throws(Failure) -> Int? {
        let limit = start + maximumHeadLength
        scanned = max(scanned, start)
        while scanned < buffer.count && scanned < limit {
            let byte = buffer[scanned]
            if byte == HTTPSyntax.lineFeed {
                guard scanned > start, buffer[scanned - 1] == HTTPSyntax.carriageReturn else { throw .bareLineEnding }
                if !startLineEnded {
                    // The line is the bytes before its CR.
                    guard scanned - 1 - start <= maximumStartLineLength else { throw .startLineTooLong }
                    startLineEnded = true
                } else if buffer[scanned - 2] == HTTPSyntax.lineFeed {
                    scanned += 1
                    return scanned
                }
            } else if byte == HTTPSyntax.carriageReturn {
                // A CR must be followed by LF; wait for the next byte if it has not arrived.
                guard scanned + 1 < buffer.count else { return nil }
                guard buffer[scanned + 1] == HTTPSyntax.lineFeed else { throw .bareLineEnding }
            } else if !startLineEnded && scanned - start >= maximumStartLineLength {
                throw .startLineTooLong
            }
            scanned += 1
        }
        if scanned >= limit { throw .headTooLarge }
        return nil
    }

    /// Starts over for the next head, which starts at `start`.
    mutating func reset(to start: Int) {
        scanned = start
        startLineEnded = false
    }
}
