// libpq's public API. pkg-config (libpq.pc) supplies the include path
// (/usr/include/postgresql on Debian), so the header is named without a directory.
#include <libpq-fe.h>
