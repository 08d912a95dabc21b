"""Hostile workbooks for the grading tests: pictures, images and OLE objects linked from outside
the file (a URL or a file:/// path), which LibreOffice would fetch or open if it were given them."""
import zipfile

R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PIC = ('<xdr:twoCellAnchor><xdr:from><xdr:col>{c}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1</xdr:row>'
       '<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>{c2}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>6</xdr:row>'
       '<xdr:rowOff>0</xdr:rowOff></xdr:to><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="{id}" name="Picture {id}"/><xdr:cNvPicPr/>'
       '</xdr:nvPicPr><xdr:blipFill><a:blip r:link="{rid}"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill>'
       '<xdr:spPr><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic><xdr:clientData/></xdr:twoCellAnchor>')

def rezip(src, dest, files):
    """Write `files` ({name: bytes}) as a zip, the .ods mimetype first and stored."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        if "mimetype" in files:
            z.writestr(zipfile.ZipInfo("mimetype"), files.pop("mimetype"))
        for n, d in files.items():
            z.writestr(n, d)
    return dest

def linked_pictures_xlsx(src, dest, urls):
    """The .xlsx with a picture linked (r:link, TargetMode External) from each URL, on its first sheet."""
    with zipfile.ZipFile(src) as z:
        files = {n: z.read(n) for n in z.namelist()}
    pics = "".join(PIC.format(c=1 + 4 * k, c2=4 + 4 * k, id=k + 2, rid=f"rId{k + 1}") for k in range(len(urls)))
    files["xl/drawings/drawing99.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
        f'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="{R}">{pics}</xdr:wsDr>').encode()
    rels = "".join(f'<Relationship Id="rId{k + 1}" Type="{R}/image" Target="{u}" TargetMode="External"/>'
                   for k, u in enumerate(urls))
    files["xl/drawings/_rels/drawing99.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships '
        f'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>').encode()
    files["xl/worksheets/_rels/sheet1.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships '
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{R}/drawing" Target="../drawings/drawing99.xml"/></Relationships>').encode()
    sheet = files["xl/worksheets/sheet1.xml"].replace(b"</worksheet>", b'<drawing r:id="rId1"/></worksheet>')
    if b"xmlns:r=" not in sheet:        # openpyxl declares it only where a sheet uses it
        sheet = sheet.replace(b"<worksheet ", f'<worksheet xmlns:r="{R}" '.encode(), 1)
    files["xl/worksheets/sheet1.xml"] = sheet
    files["[Content_Types].xml"] = files["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/drawings/drawing99.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.drawing+xml"/></Types>')
    return rezip(src, dest, files)

FRAME = ('<draw:frame draw:name="{name}" svg:width="3cm" svg:height="2cm" svg:x="0cm" svg:y="0cm">{inner}</draw:frame>')

def linked_objects_ods(src, dest, image_urls, object_urls):
    """The .ods with linked images and linked OLE objects on its first sheet."""
    with zipfile.ZipFile(src) as z:
        files = {n: z.read(n) for n in z.namelist()}
    c = files["content.xml"].decode()
    frames = "".join(FRAME.format(name=f"img{k}", inner=f'<draw:image xlink:href="{u}" xlink:type="simple" '
                                  'xlink:show="embed" xlink:actuate="onLoad"/>') for k, u in enumerate(image_urls))
    frames += "".join(FRAME.format(name=f"ole{k}", inner=f'<draw:object xlink:href="{u}" xlink:type="simple" '
                                   'xlink:show="embed" xlink:actuate="onLoad"/>') for k, u in enumerate(object_urls))
    i = c.index("<table:table ")
    i = c.index(">", i) + 1
    c = c[:i] + f"<table:shapes>{frames}</table:shapes>" + c[i:]
    files["content.xml"] = c.encode()
    return rezip(src, dest, files)
