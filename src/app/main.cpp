// memcosim command-line front end (being assembled; see src/app).
#include <cstdio>
int main() { std::puts("memcosim " MEMCOSIM_VERSION); return 0; }
