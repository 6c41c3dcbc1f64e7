// libxml2 for ChargebackKit/XML/LibXML2.swift, the one Swift file that uses it. The include
// path (/usr/include/libxml2 on Debian) comes from pkg-config's libxml-2.0.
#include <libxml/xmlversion.h>
// Debian builds libxml2 with ICU, and encoding.h then includes <unicode/ucnv.h>, whose
// declarations clash with the ICU copy Foundation ships (_FoundationICU). Nothing here uses
// libxml2's ICU converters; without the macro only the two trailing pointer fields of
// xmlCharEncodingHandler disappear from Swift's view, and Swift never touches that struct.
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlwriter.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
