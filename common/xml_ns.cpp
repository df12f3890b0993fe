#include "xml_ns.hpp"

#include <string>

namespace eckid::xml {
namespace {

// The URI `declaration` ("xmlns" or "xmlns:<prefix>") binds in the scope of element `node`.
std::string_view bound(pugi::xml_node node, const std::string &declaration) noexcept {
  for (auto scope = node; scope.type() == pugi::node_element; scope = scope.parent()) {
    if (const auto found = scope.attribute(declaration.c_str())) return found.value();
  }
  return {};
}

std::string declaration_for(std::string_view qname) {
  const auto colon = qname.find(':');
  return colon == std::string_view::npos ? "xmlns" : "xmlns:" + std::string(qname.substr(0, colon));
}

}  // namespace

std::string_view local_name(pugi::xml_node node) noexcept {
  const std::string_view name = node.name();
  const auto colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

std::string_view namespace_uri(pugi::xml_node node) noexcept try {
  return bound(node, declaration_for(node.name()));
} catch (...) {  // std::bad_alloc building the declaration name
  return {};
}

bool is(pugi::xml_node node, std::string_view ns, std::string_view local) noexcept {
  return node.type() == pugi::node_element && local_name(node) == local &&
         namespace_uri(node) == ns;
}

pugi::xml_node child(pugi::xml_node parent, std::string_view local) noexcept {
  for (const auto node : parent.children()) {
    if (node.type() == pugi::node_element && local_name(node) == local) return node;
  }
  return {};
}

pugi::xml_node child(pugi::xml_node parent, std::string_view ns, std::string_view local) noexcept {
  for (const auto node : parent.children()) {
    if (is(node, ns, local)) return node;
  }
  return {};
}

std::vector<pugi::xml_node> children(pugi::xml_node parent, std::string_view local) {
  std::vector<pugi::xml_node> found;
  for (const auto node : parent.children()) {
    if (node.type() == pugi::node_element && local_name(node) == local) found.push_back(node);
  }
  return found;
}

std::vector<pugi::xml_node> children(pugi::xml_node parent, std::string_view ns,
                                     std::string_view local) {
  std::vector<pugi::xml_node> found;
  for (const auto node : parent.children()) {
    if (is(node, ns, local)) found.push_back(node);
  }
  return found;
}

pugi::xml_node descendant(pugi::xml_node root, std::string_view local) noexcept {
  return root.find_node([&](pugi::xml_node node) {
    return node.type() == pugi::node_element && local_name(node) == local;
  });
}

pugi::xml_attribute attribute(pugi::xml_node node, std::string_view ns,
                              std::string_view local) noexcept try {
  for (const auto attr : node.attributes()) {
    const std::string_view name = attr.name();
    const auto colon = name.find(':');
    if (colon == std::string_view::npos || name.substr(colon + 1) != local) continue;
    if (bound(node, declaration_for(name)) == ns) return attr;
  }
  return {};
} catch (...) {  // std::bad_alloc building the declaration name
  return {};
}

}  // namespace eckid::xml
