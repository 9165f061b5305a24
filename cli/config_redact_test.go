package cli

import "testing"

func TestRedactDockerfileLine(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`ENV DB_PASSWORD=hunter2 MODE=prod`, `ENV DB_PASSWORD=******** MODE=prod`},
		{`ENV API_TOKEN="a b c" X=1`, `ENV API_TOKEN=******** X=1`},
		{`ENV A=1 AUTH_KEY=x\ y Z=2`, `ENV A=1 AUTH_KEY=******** Z=2`},
		{`ENV SECRET hunter2 and more`, `ENV SECRET ********`},
		{`onbuild env Secret  hunter2`, `onbuild env Secret ********`},
		{`ARG GITHUB_TOKEN=ghp_abc`, `ARG GITHUB_TOKEN=********`},
		{`ARG GITHUB_TOKEN`, `ARG GITHUB_TOKEN`},
		{`LABEL db.password="p w" maintainer="QA <qa@example.test>"`, `LABEL db.password=******** maintainer="QA <qa@example.test>"`},
		{`RUN MYSQL_ROOT_PASSWORD=x ./setup.sh && make`, `RUN MYSQL_ROOT_PASSWORD=******** ./setup.sh && make`},
		{`RUN cli --password=s3cret --user=bob`, `RUN cli --password=******** --user=bob`},
		{`RUN ["env", "AUTH_KEY=a\"b c", "run"]`, `RUN ["env", "AUTH_KEY=********", "run"]`},
		{`RUN echo 'TOKEN=abc def' > /f`, `RUN echo 'TOKEN=********' > /f`},
		{`RUN A=1;TOKEN=x make`, `RUN A=1;TOKEN=******** make`},
		{`ENV PASSWORD="unterminated`, `ENV PASSWORD=********`},
		{`LABEL maintainer="QA <qa@example.test>"`, `LABEL maintainer="QA <qa@example.test>"`},
		{`COPY [".testbed/files/0/file","/post_startup.py"]`, `COPY [".testbed/files/0/file","/post_startup.py"]`},
		{`RUN ["apt-get","install","-y","--","curl"]`, `RUN ["apt-get","install","-y","--","curl"]`},
		{`ENV MODE prod`, `ENV MODE prod`},
		{``, ``},
	} {
		if got := redactLine(c.in); got != c.want {
			t.Errorf("redactLine(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}
