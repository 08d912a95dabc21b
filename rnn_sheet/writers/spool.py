"""Text put aside while a workbook is written, and spliced back when its file part is zipped.

A long word's sheets are hundreds of megabytes of XML: each sheet's rows go to one temporary file
(kept in memory while small) as soon as they are made, and the part that will hold them carries a
short marker instead. Only when the part is zipped are the markers replaced by the rows, one part at
a time. (Markers hold a NUL character, which no XML text can.)
"""
import codecs
import re
import tempfile

IN_MEMORY = 8 << 20        # bytes a small workbook's rows keep in memory rather than on disk
_MARKER = re.compile("\x00spool:(\\d+):(\\d+)\x00")


class Spool:
    def __init__(self):
        self.file = tempfile.SpooledTemporaryFile(IN_MEMORY)

    def put(self, pieces):
        """Write the text pieces; returns the marker that stands for them."""
        start = self.file.seek(0, 2)
        for piece in pieces:
            self.file.write(piece.encode())
        return f"\x00spool:{start}:{self.file.tell() - start}\x00"

    def splice(self, text, chunk=4 << 20):
        """The pieces of `text` with each marker replaced by what it stands for (in pieces of at
        most `chunk` bytes)."""
        at = 0
        for m in _MARKER.finditer(text):
            yield text[at:m.start()]
            self.file.seek(int(m[1]))
            left, decoder = int(m[2]), codecs.getincrementaldecoder("utf-8")()
            while left:
                data = self.file.read(min(chunk, left))
                left -= len(data)
                yield decoder.decode(data, final=not left)
            at = m.end()
        yield text[at:]

    def close(self):
        self.file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
