// XML namespaces over pugixml, which reads names as written ("soapenv:Body") and leaves prefixes
// unresolved (Namespaces in XML 1.0, 6). Shared by the plugin's SOAP client, the emulator and
// the tests so that a prefix is resolved one way everywhere. Knows no SOAP or ECK iD names.
//
// All functions take and return non-owning pugixml handles (valid while their document lives),
// never throw, and are as thread-safe as reading the document is.
#pragma once

#include <string_view>
#include <vector>

#include <pugixml.hpp>

namespace eckid::xml {

/// Local part of a node's name ("sid:eckId" -> "eckId"; "eckId" -> "eckId").
std::string_view local_name(pugi::xml_node node) noexcept;

/// The namespace URI an element's prefix (or, unprefixed, the default namespace) is bound to by
/// the xmlns declarations on it and its ancestors; empty when none is in scope.
std::string_view namespace_uri(pugi::xml_node node) noexcept;

/// Whether `node` is an element with this namespace URI and local name.
bool is(pugi::xml_node node, std::string_view ns, std::string_view local) noexcept;

/// First child element with this local name, in any namespace; an empty node when none.
pugi::xml_node child(pugi::xml_node parent, std::string_view local) noexcept;

/// First child element with this namespace URI and local name; an empty node when none.
pugi::xml_node child(pugi::xml_node parent, std::string_view ns, std::string_view local) noexcept;

/// Every child element with this local name, in any namespace, in document order.
std::vector<pugi::xml_node> children(pugi::xml_node parent, std::string_view local);

/// Every child element with this namespace URI and local name, in document order.
std::vector<pugi::xml_node> children(pugi::xml_node parent, std::string_view ns,
                                     std::string_view local);

/// First descendant element (depth first, document order) with this local name, in any
/// namespace; an empty node when none.
pugi::xml_node descendant(pugi::xml_node root, std::string_view local) noexcept;

/// The attribute of `node` with this namespace URI and local name. Only prefixed attributes
/// have a namespace (Namespaces in XML 1.0, 6.2: the default namespace does not apply to
/// attributes). An empty attribute when none.
pugi::xml_attribute attribute(pugi::xml_node node, std::string_view ns,
                              std::string_view local) noexcept;

}  // namespace eckid::xml
