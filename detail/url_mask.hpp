// Hiding passwords in URLs before they are printed. Plain C++, no CAF.
#pragma once

#include <string>
#include <string_view>

namespace fetchsum::detail {

/// What a masked password looks like.
inline constexpr std::string_view masked_password = "***";

/// `url` with the password of its own userinfo replaced by "***":
/// `https://user:secret@host/x` becomes `https://user:***@host/x`; every other
/// byte stays as given. Records print this form (their `url`, the key of
/// --journal and --diff), so the rule is fixed: the same input always gives
/// the same string, and a URL without a password is unchanged.
///
/// The rule follows libcurl's URL parser, and leans towards masking on URLs
/// libcurl would refuse (they are printed too, in their error record):
/// - the URL starts with a scheme (`[A-Za-z0-9+.-]+:`, a leading digit
///   too, as libcurl 7.88 takes it), after any leading blanks; any number
///   of '/' or '\' may follow it;
/// - the authority runs up to the first '/', '?' or '#' (or the end);
/// - the userinfo is the authority up to its LAST '@' (libcurl refuses a
///   second '@'; masking up to the last one hides a password that held an
///   unencoded '@');
/// - the password is the userinfo after its first ':'. An empty password
///   stays empty: there is nothing to hide.
/// A user name alone (`https://TOKEN@host/`) is not masked.
std::string mask_url_password(std::string_view url);

/// `text` (an error message) with the password of every URL in it masked as
/// above. A URL here is found by its "://"; its authority also ends at
/// white space, so the words after it are left alone.
std::string mask_url_passwords_in_text(std::string_view text);

} // namespace fetchsum::detail
