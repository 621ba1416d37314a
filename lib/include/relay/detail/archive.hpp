#pragma once
/// \file
/// relay's own Boost.Serialization archives: the binary format of the serialized path.
///
/// Boost's binary archives go through a virtual streambuf call for every primitive and through the
/// generic collection machinery (object-address bookkeeping per element), and Boost.MPI's packed
/// archives call MPI_Pack for every primitive. These archives implement the same archive concept
/// (`ar & x`, `ar << x`, `ar >> x`, make_nvp, base_object, split save/load members, versions), so
/// every type with a Boost.Serialization `serialize` works unchanged, but they write straight
/// into a byte vector and know the standard containers: a vector of bytewise elements or a string
/// is its length and one memcpy, other containers are their length and their elements, and
/// trivially copyable values whose bytes are safe to send (detail/inspect.hpp: no pointer or view
/// in them, no serialize() of their own) are their bytes. A std::string_view or std::span is saved
/// as the string or vector it views, and is loaded as one; loading into a view does not compile.
/// Pointers, smart pointers and polymorphic classes, which need Boost's object tracking, are
/// handed to a Boost binary archive that reads and writes the same bytes in the same order.
///
/// The parts: archive_traits.hpp (what the archives know about a type, and the compile error for
/// one they cannot archive), archive_format.hpp (lengths and byte copies), archive_writer.hpp
/// (oarchive) and archive_reader.hpp (iarchive, which checks every read).

#include "relay/detail/archive_format.hpp"
#include "relay/detail/archive_reader.hpp"
#include "relay/detail/archive_traits.hpp"
#include "relay/detail/archive_writer.hpp"
