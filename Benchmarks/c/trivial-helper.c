/* The trivial helper every host in the benchmark runs: prints one answer in the host's format.
   argv[0] ending in "-aws" prints AWS credential_process JSON, "-google" prints the executable-sourced
   credential JSON of google-auth, anything else a bare token. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    const char *name = argv[0];
    size_t n = strlen(name);
    if (n >= 4 && strcmp(name + n - 4, "-aws") == 0) {
        fputs("{\"Version\": 1, \"AccessKeyId\": \"AKIAEXAMPLE\", \"SecretAccessKey\": \"secret0123456789\"}\n", stdout);
    } else if (n >= 7 && strcmp(name + n - 7, "-google") == 0) {
        fputs("{\"version\": 1, \"success\": true, \"token_type\": \"urn:ietf:params:oauth:token-type:jwt\", "
              "\"id_token\": \"tok-0123456789abcdef\", \"expiration_time\": 4102444800}\n", stdout);
    } else {
        fputs("tok-0123456789abcdef\n", stdout);
    }
    return 0;
}
